"""Upload task: fetch (URL) or take (file) the audio, check it decodes, publish one `upload` clip."""

from pathlib import Path

import orjson

from songforge.core.clip_files import TIMING_ASSET
from songforge.core.jobs import UploadParams
from songforge.core.lifecycle import ClipOutput
from songforge.engines.audio import AudioDecodeError, decode_file, waveform_data
from songforge.net import FetchFailed, UrlRefused, download_to_file
from songforge.worker.assets import store_documents
from songforge.worker.context import JobContext, JobFailed, JobResult
from songforge.worker.publish import publish_clip_audio


def run(context: JobContext, params: UploadParams) -> JobResult:
    settings = context.services.settings
    source = context.workdir / "source"
    if params.source == "url":
        try:
            fetched = download_to_file(
                params.url,
                source,
                max_bytes=settings.max_upload_bytes,
                timeout_s=settings.url_fetch_timeout_seconds,
                max_redirects=settings.url_max_redirects,
                allow_private=settings.allow_private_urls,
            )
        except (UrlRefused, FetchFailed) as error:
            raise JobFailed(f"could not download the audio: {error}", error_type="fetch_failed") from error
        filename = fetched.filename
    else:
        try:
            source = context.services.blobs.local_path(params.staged_blob)
        except FileNotFoundError:
            raise JobFailed(
                "the uploaded file is missing from the server's storage; upload it again",
                error_type="audio_missing",
            ) from None
        filename = params.filename
    context.progress(0.3, "decode")
    try:
        audio = decode_file(source, max_seconds=settings.max_audio_seconds)
    except AudioDecodeError as error:
        raise JobFailed(str(error), error_type="invalid_audio") from error
    context.progress(0.6, "encode")
    clip_id = context.job.clip_ids[0]
    data = context.job.clip_data[0]
    title = data.get("title") or Path(filename).stem or "upload"
    files = publish_clip_audio(
        context.services.blobs, context.workdir, clip_id, audio.samples, audio.sample_rate, title
    )
    data["title"] = title
    data["metadata"]["duration"] = files.duration
    # No words are known for an upload: its timing says so, with its real loudness curve.
    timing = {"aligned_words": [], "waveform_data": waveform_data(audio.samples, audio.sample_rate)}
    assets = store_documents(
        context, clip_id, {TIMING_ASSET: orjson.dumps({**timing, "hoot_cer": 0.0, "is_streamed": False})}
    )
    if params.source == "file":
        context.services.blobs.delete(params.staged_blob)
    return JobResult(clips=[ClipOutput(clip_id, data, files, assets)])
