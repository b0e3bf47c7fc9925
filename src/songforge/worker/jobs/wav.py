"""WAV rendering of an existing clip, at its master's sample rate."""

from sqlalchemy import select

from songforge.core.urls import clip_blob_names
from songforge.db.models import Clip
from songforge.engines.audio import encode_wav
from songforge.worker.context import JobContext, JobFailed, JobResult
from songforge.worker.jobs.publish import load_master


def run_wav(context: JobContext) -> JobResult:
    clip_id: str = context.task.params["clip_id"]
    with context.services.db.session() as session:
        master_key = session.execute(
            select(Clip.master_key).where(Clip.id == clip_id, Clip.account_id == context.task.account_id)
        ).scalar_one_or_none()
    if not master_key:
        raise JobFailed(f"clip {clip_id} has no audio to render", error_type="no_audio")
    audio = load_master(context.services.blobs, master_key)
    context.progress(0.5, "encode")
    name = clip_blob_names(clip_id)["wav"]
    path = context.workdir / name
    encode_wav(audio.samples, audio.sample_rate, path)
    context.services.blobs.put_file(name, path)
    return JobResult(clip_patches={clip_id: {"wav_key": name}})
