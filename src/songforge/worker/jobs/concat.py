"""concat task: one full clip from an extend chain (each piece keeps its parent up to its `continue_at`, then
continues) or from an infill (its source with the window replaced). The stems, MIDI and word timing of songs
songforge made are joined the same way, so gen_stem, timing and MIDI work on the result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import orjson

from songforge.core.clip_files import MIDI_NOTES_ASSET, PLAN_ASSET, TIMING_ASSET
from songforge.core.jobs import ConcatParams
from songforge.core.lifecycle import ClipOutput
from songforge.engines.audio import DecodedAudio, resample
from songforge.engines.generation.joining import Span, join_audio, join_notes, join_words, spans_of
from songforge.engines.generation.song import SONG_STEMS, timing_as_dict_of_words
from songforge.worker.assets import store_documents, store_stems
from songforge.worker.context import JobContext, JobFailed, JobResult
from songforge.worker.inputs import read_clip_data, read_clip_master, read_song_document, read_stem, stem_blobs_of
from songforge.worker.publish import publish_clip_audio

EXTENDING_TASKS = ("extend", "upload_extend")
# An extend chain longer than this is refused (and guards against a history that loops).
MAX_PIECES = 64


@dataclass(frozen=True)
class Piece:
    clip_id: str
    data: dict[str, Any]
    start: float
    end: float | None  # None: to the piece's end


def run(context: JobContext, params: ConcatParams) -> JobResult:
    clip = read_clip_data(context, params.clip_id)
    pieces = (
        infill_pieces(context, params.clip_id, clip)
        if params.is_infill
        else extend_chain(context, params.clip_id, clip)
    )
    masters = [read_clip_master(context, piece.clip_id, "join") for piece in pieces]
    sample_rate = masters[0].sample_rate
    audios = [_stereo_at(master, sample_rate) for master in masters]
    spans = spans_of([(piece.start, piece.end if piece.end is not None else audio.shape[1] / sample_rate)
                      for piece, audio in zip(pieces, audios, strict=True)])  # fmt: skip
    context.progress(0.3, "joining")
    mix = join_audio(audios, spans, sample_rate)
    clip_id, data = context.job.clip_ids[0], context.job.clip_data[0]
    title = clip.get("title", "")
    tags = clip.get("metadata", {}).get("tags", "")
    files = publish_clip_audio(context.services.blobs, context.workdir, clip_id, mix, sample_rate, title, style=tags)
    context.progress(0.7, "published")
    assets = _joined_assets(context, clip_id, pieces, spans, sample_rate, mix.shape[1])
    data["title"] = title
    data["metadata"].update(
        {
            "type": "concat",
            "task": "concat",
            "duration": files.duration,
            "tags": tags,
            "prompt": "\n\n".join(
                prompt for piece in pieces if (prompt := str(piece.data.get("metadata", {}).get("prompt") or ""))
            ),
            "has_vocal": any(piece.data.get("metadata", {}).get("has_vocal") for piece in pieces),
            "concat_history": [
                {
                    "id": piece.clip_id,
                    "start_s": span.start,
                    "end_s": round(span.end, 3),
                    "type": piece.data.get("metadata", {}).get("type", "gen"),
                    "source": "web",
                    "infill": bool(piece.data.get("metadata", {}).get("infill")),
                }
                for piece, span in zip(pieces, spans, strict=True)
            ],
        }
    )
    return JobResult(clips=[ClipOutput(clip_id, data, files, assets)])


def extend_chain(context: JobContext, clip_id: str, clip: dict[str, Any]) -> list[Piece]:
    """The root and each continuation, each cut where the next one starts: root[0:c1] + p1[0:c2] + … + clip."""
    pieces = [Piece(clip_id, clip, 0.0, None)]
    while pieces[0].data.get("metadata", {}).get("task") in EXTENDING_TASKS:
        history = pieces[0].data["metadata"].get("history") or [{}]
        parent_id, cut = history[0].get("id"), history[0].get("continue_at")
        if not parent_id or cut is None:
            raise JobFailed(f"clip {pieces[0].clip_id} does not say what it continues", error_type="bad_history")
        if len(pieces) >= MAX_PIECES or any(piece.clip_id == parent_id for piece in pieces):
            raise JobFailed("the extend chain is too long or loops", error_type="bad_history")
        pieces.insert(0, Piece(parent_id, read_clip_data(context, parent_id), 0.0, float(cut)))
    if len(pieces) == 1:
        raise JobFailed(f"clip {clip_id} was not made by extend; nothing to join", error_type="bad_history")
    return pieces


def infill_pieces(context: JobContext, clip_id: str, clip: dict[str, Any]) -> list[Piece]:
    """The source up to the window, the re-made window, the source after it."""
    metadata = clip.get("metadata", {})
    history = metadata.get("history") or [{}]
    source_id, start, end = history[0].get("id"), metadata.get("infill_start_s"), metadata.get("infill_end_s")
    if not source_id or start is None or end is None:
        raise JobFailed(f"clip {clip_id} was not made by infill; nothing to put back", error_type="bad_history")
    source = read_clip_data(context, source_id)
    return [
        Piece(source_id, source, 0.0, float(start)),
        Piece(clip_id, clip, 0.0, float(end) - float(start)),
        Piece(source_id, source, float(end), None),
    ]


def _stereo_at(decoded: DecodedAudio, sample_rate: int) -> np.ndarray:
    samples = decoded.samples if decoded.samples.ndim == 2 else decoded.samples[np.newaxis]
    if decoded.sample_rate != sample_rate:
        samples = resample(samples, decoded.sample_rate, sample_rate)
    return np.ascontiguousarray(np.repeat(samples, 2, axis=0) if samples.shape[0] == 1 else samples[:2], np.float32)


def _joined_assets(
    context: JobContext, clip_id: str, pieces: Sequence[Piece], spans: Sequence[Span], sample_rate: int, length: int
) -> tuple[Any, ...]:
    """Exact stems, word timing, MIDI notes and plan of the joined song, when every piece is a song we made."""
    stems_of_pieces = [_stem_blobs(context, piece.clip_id) for piece in pieces]
    clip_ids = [piece.clip_id for piece in pieces]
    timings = [read_song_document(context, piece.clip_id, TIMING_ASSET) for piece in pieces]
    midis = [read_song_document(context, piece.clip_id, MIDI_NOTES_ASSET) for piece in pieces]
    plan = read_song_document(context, pieces[-1].clip_id, PLAN_ASSET)
    if not all(stems_of_pieces) or None in timings or None in midis or plan is None:
        return ()
    stems: dict[str, np.ndarray] = {}
    for stem in SONG_STEMS:
        audios = [
            _stereo_at(read_stem(context, piece_id, stem, blobs[stem]), sample_rate)
            for piece_id, blobs in zip(clip_ids, stems_of_pieces, strict=True)
        ]
        joined = join_audio(audios, spans, sample_rate)
        stems[stem] = joined[:, :length]
    words = join_words([timing for timing in timings if timing is not None], spans)
    sung = stems["Vocals"] + stems["Backing Vocals"]
    documents = {
        TIMING_ASSET: orjson.dumps(timing_as_dict_of_words(words, sung, sample_rate)),
        MIDI_NOTES_ASSET: orjson.dumps(join_notes([midi for midi in midis if midi is not None], spans)),
        PLAN_ASSET: orjson.dumps({**plan, "duration": round(length / sample_rate, 3), "joined_from": len(pieces)}),
    }
    return store_stems(context, clip_id, stems, sample_rate) + store_documents(context, clip_id, documents)


def _stem_blobs(context: JobContext, clip_id: str) -> dict[str, str]:
    blobs = stem_blobs_of(context, clip_id)
    return blobs if set(blobs) >= set(SONG_STEMS) else {}
