"""midi task: the notes of a clip songforge did not generate (an upload, a join of uploads), transcribed per
stem — the sung line from the separated vocals, everything else from the accompaniment — and attached to the
clip, so the MIDI route answers from then on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from songforge.core.clip_files import MIDI_NOTES_ASSET
from songforge.core.jobs import MidiParams
from songforge.core.lifecycle import AttachedFile
from songforge.core.stem_sets import StemSet
from songforge.core.urls import ASSET_ROLE, asset_blob_name
from songforge.engines.analysis import TranscribedNote, melody_of, transcribe
from songforge.engines.separation import separate
from songforge.worker.context import JobContext, JobFailed, JobResult
from songforge.worker.inputs import read_clip_master, separation_options


def run(context: JobContext, params: MidiParams) -> JobResult:
    audio = read_clip_master(context, params.clip_id, "transcribe")
    try:
        vocals, accompaniment = separate(
            audio.samples,
            audio.sample_rate,
            StemSet.TWO,
            lambda fraction, stage: context.progress(0.4 * fraction, stage),
            separation_options(context),
        )
    except ValueError as error:
        raise JobFailed(f"the audio could not be separated: {error}", error_type="invalid_audio") from error
    sung = melody_of(transcribe(vocals.audio, audio.sample_rate))
    context.progress(0.6, "vocals transcribed")
    played = transcribe(accompaniment.audio, audio.sample_rate)
    context.progress(0.95, "transcribed")
    body = {
        "state": "complete",
        "instruments": [
            {"name": name, "notes": _notes(notes)}
            for name, notes in (("Vocals", sung), ("Instrumental", played))
            if notes
        ],
    }
    blob = asset_blob_name(params.clip_id, MIDI_NOTES_ASSET)
    context.services.blobs.put_bytes(blob, orjson.dumps(body))
    return JobResult(attachments=[AttachedFile(params.clip_id, ASSET_ROLE, blob, asset=MIDI_NOTES_ASSET)])


def _notes(notes: Sequence[TranscribedNote]) -> list[dict[str, Any]]:
    return [
        {
            "pitch": note.pitch,
            "start": round(note.start, 3),
            "end": round(note.end, 3),
            "velocity": round(note.velocity, 3),
        }
        for note in notes
    ]
