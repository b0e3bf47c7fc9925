"""WAV rendering of an existing clip, at its master's sample rate."""

from songforge.core.jobs import WavParams
from songforge.core.lifecycle import AttachedFile
from songforge.core.urls import clip_blob_names
from songforge.engines.audio import encode_wav
from songforge.worker.context import JobContext, JobResult
from songforge.worker.inputs import read_clip_master


def run(context: JobContext, params: WavParams) -> JobResult:
    audio = read_clip_master(context, params.clip_id, "render")
    context.progress(0.5, "encode")
    name = clip_blob_names(params.clip_id)["wav"]
    path = context.workdir / name
    encode_wav(audio.samples, audio.sample_rate, path)
    context.services.blobs.put_file(name, path)
    return JobResult(attachments=[AttachedFile(params.clip_id, "wav_key", name)])
