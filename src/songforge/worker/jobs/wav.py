"""WAV rendering of an existing clip, at its master's sample rate."""

from songforge.core.jobs import WavParams
from songforge.core.lifecycle import AttachedFile
from songforge.core.urls import clip_blob_names
from songforge.core.work import master_of_clip
from songforge.engines.audio import encode_wav
from songforge.worker.context import JobContext, JobFailed, JobResult
from songforge.worker.publish import load_master


def run(context: JobContext, params: WavParams) -> JobResult:
    master_key = master_of_clip(context.services, params.clip_id, context.job.account_id)
    if not master_key:
        raise JobFailed(f"clip {params.clip_id} has no audio to render", error_type="no_audio")
    audio = load_master(context.services.blobs, master_key)
    context.progress(0.5, "encode")
    name = clip_blob_names(params.clip_id)["wav"]
    path = context.workdir / name
    encode_wav(audio.samples, audio.sample_rate, path)
    context.services.blobs.put_file(name, path)
    return JobResult(attachments=[AttachedFile(params.clip_id, "wav_key", name)])
