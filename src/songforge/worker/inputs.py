"""What jobs read: the stored master of a clip the job's account owns, or a JobFailed naming what is wrong."""

from songforge.core.work import master_of_clip
from songforge.engines.audio import AudioDecodeError, DecodedAudio, decode_file
from songforge.worker.context import JobContext, JobFailed


def read_clip_master(context: JobContext, clip_id: str, use: str) -> DecodedAudio:
    """The clip's lossless master, decoded; `use` says what the job does with it ("render", "separate")."""
    master_key = master_of_clip(context.services, clip_id, context.job.account_id)
    if not master_key:
        raise JobFailed(f"clip {clip_id} has no audio to {use}", error_type="no_audio")
    try:
        path = context.services.blobs.local_path(master_key)
    except FileNotFoundError:
        reason = f"the stored audio of clip {clip_id} is missing from the server's storage, so it cannot be used"
        raise JobFailed(reason, error_type="audio_missing") from None
    try:
        return decode_file(path)
    except AudioDecodeError as error:
        raise JobFailed(
            f"the source audio (clip {clip_id}) could not be read: {error}", error_type="invalid_audio"
        ) from error
