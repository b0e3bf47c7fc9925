"""gen_stem task: separate a clip the caller can see into the Two or Twelve stem set."""

from songforge.core.jobs import StemParams
from songforge.core.lifecycle import ClipOutput
from songforge.core.work import master_of_clip
from songforge.engines.audio import AudioDecodeError
from songforge.engines.separation import SeparationOptions, StemSet, separate
from songforge.worker.context import JobContext, JobFailed, JobResult
from songforge.worker.publish import load_master, publish_clip_audio

# Share of the task's progress that separation takes; publishing the files takes the rest.
SEPARATION_SHARE = 0.8


def run(context: JobContext, params: StemParams) -> JobResult:
    settings = context.services.settings
    stem_set = StemSet(params.stem_set)
    master_key = master_of_clip(context.services, params.source_clip_id, context.job.account_id)
    if not master_key:
        raise JobFailed(f"clip {params.source_clip_id} has no audio to separate", error_type="no_audio")
    try:
        audio = load_master(context.services.blobs, master_key)
    except AudioDecodeError as error:
        raise JobFailed(f"the source audio could not be read: {error}", error_type="invalid_audio") from error
    context.progress(0.02, "decoded")
    options = SeparationOptions(
        model_dir=str(settings.resolved_model_dir),
        allow_download=settings.allow_model_download,
        prefer_demucs=settings.prefer_demucs,
    )
    try:
        stems = separate(
            audio.samples,
            audio.sample_rate,
            stem_set,
            progress=lambda fraction, stage: context.progress(0.02 + fraction * SEPARATION_SHARE, stage),
            options=options,
        )
    except ValueError as error:
        raise JobFailed(f"the audio could not be separated: {error}", error_type="invalid_audio") from error
    outputs: list[ClipOutput] = []
    for index, (clip_id, data, stem) in enumerate(zip(context.job.clip_ids, context.job.clip_data, stems, strict=True)):
        files = publish_clip_audio(
            context.services.blobs, context.workdir, clip_id, stem.audio, audio.sample_rate, data["title"]
        )
        data["metadata"]["duration"] = files.duration
        data["metadata"]["stem_silent"] = stem.silent
        data["metadata"]["engine"] = stem.method
        outputs.append(ClipOutput(clip_id, data, files))
        context.progress(0.02 + SEPARATION_SHARE + (index + 1) / len(stems) * (0.97 - SEPARATION_SHARE), "publish")
    return JobResult(clips=outputs)
