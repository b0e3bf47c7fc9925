"""midi task: the notes of a clip songforge did not generate (an upload, a join of uploads), transcribed per
stem — the line one voice sings through the vocals separated at several pitches (as a cover reads it),
everything else from the accompaniment — and attached to the clip, so the MIDI route answers from then on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from songforge.core.clip_files import MIDI_NOTES_ASSET
from songforge.core.jobs import MidiParams
from songforge.core.lifecycle import AttachedFile
from songforge.core.stem_sets import StemSet
from songforge.core.urls import ASSET_ROLE, asset_blob_name
from songforge.engines.analysis import TranscribedNote, transcribe
from songforge.engines.analysis.basic_pitch_model import MODEL_RATE
from songforge.engines.analysis.melody import sung_melody
from songforge.engines.analysis.sung_vocals import sung_vocals
from songforge.engines.separation import separate
from songforge.worker.context import JobContext, JobFailed, JobResult
from songforge.worker.inputs import read_clip_master
from songforge.worker.separation_options import separation_options


def run(context: JobContext, params: MidiParams) -> JobResult:
    audio = read_clip_master(context, params.clip_id, "transcribe")
    options = separation_options(context.services.settings)
    try:
        mix_vocals, accompaniment = separate(
            audio.samples,
            audio.sample_rate,
            StemSet.TWO,
            lambda fraction, stage: context.progress(0.1 * fraction, stage),
            options,
        )
        vocals = sung_vocals(
            audio.samples,
            audio.sample_rate,
            options,
            lambda fraction, stage: context.progress(0.1 + 0.5 * fraction, stage),
            mix_vocals=mix_vocals.audio,
        )
    except ValueError as error:
        raise JobFailed(f"the audio could not be separated: {error}", error_type="invalid_audio") from error
    sung = sung_melody(vocals, MODEL_RATE)
    context.progress(0.7, "vocals transcribed")
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
