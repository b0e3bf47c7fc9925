"""WAV rendering of an existing clip, at its master's sample rate."""

from songforge.core.jobs import WavParams
from songforge.core.lifecycle import AttachedFile
from songforge.core.urls import clip_blob_names
from songforge.core.work import master_of_clip
from songforge.engines.audio import AudioDecodeError, encode_wav
from songforge.worker.context import JobContext, JobFailed, JobResult
from songforge.worker.publish import StoredAudioMissing, load_master, missing_audio_reason


def run(context: JobContext, params: WavParams) -> JobResult:
    master_key = master_of_clip(context.services, params.clip_id, context.job.account_id)
    if not master_key:
        raise JobFailed(f"clip {params.clip_id} has no audio to render", error_type="no_audio")
    try:
        audio = load_master(context.services.blobs, master_key)
    except StoredAudioMissing:
        raise JobFailed(missing_audio_reason(params.clip_id), error_type="audio_missing") from None
    except AudioDecodeError as error:
        raise JobFailed(
            f"the stored audio of clip {params.clip_id} could not be read: {error}", error_type="invalid_audio"
        ) from error
    context.progress(0.5, "encode")
    name = clip_blob_names(params.clip_id)["wav"]
    path = context.workdir / name
    encode_wav(audio.samples, audio.sample_rate, path)
    context.services.blobs.put_file(name, path)
    return JobResult(attachments=[AttachedFile(params.clip_id, "wav_key", name)])
