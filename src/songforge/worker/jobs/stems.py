"""gen_stem task: separate a clip the caller can see into the Two or Twelve stem set.

The separation streams each finished block of every stem into the publisher, whose encoders run in
parallel with the separation: when the last block is out, the files are all but written.
"""

from songforge.core.jobs import StemParams
from songforge.core.lifecycle import ClipOutput
from songforge.core.stem_sets import StemSet
from songforge.engines.separation import separate_stream
from songforge.worker.context import JobContext, JobFailed, JobResult
from songforge.worker.inputs import ExactStems, exact_stems_of, read_clip_master
from songforge.worker.publish import ClipPublisher, ClipToPublish, blocks_of_stems
from songforge.worker.separation_options import separation_options

# Shares of the task's progress: decoding the master, then separating and publishing side by side
# (publishing's share is what is left to write once the separation has finished).
DECODE_SHARE = 0.02
SEPARATION_SHARE = 0.8
PUBLISH_SHARE = 0.97 - DECODE_SHARE - SEPARATION_SHARE


class _StemProgress:
    """One task progress from two that run at once: the separation's and the publisher's."""

    def __init__(self, context: JobContext) -> None:
        self._context = context
        self._separated = 0.0
        self._published = 0.0

    def separation(self, fraction: float, stage: str) -> None:
        self._separated = max(self._separated, fraction)
        self._report(stage)

    def publishing(self, fraction: float, stage: str) -> None:
        self._published = max(self._published, fraction)
        self._report(stage)

    def _report(self, stage: str) -> None:
        self._context.progress(
            DECODE_SHARE + SEPARATION_SHARE * self._separated + PUBLISH_SHARE * self._published, stage
        )


def run(context: JobContext, params: StemParams) -> JobResult:
    stem_set = StemSet(params.stem_set)
    exact = exact_stems_of(context, params.source_clip_id, stem_set)
    if exact is not None:
        return _publish_exact_stems(context, exact)
    audio = read_clip_master(context, params.source_clip_id, "separate")
    context.progress(DECODE_SHARE, "decoded")
    options = separation_options(context.services.settings)
    clips = [
        ClipToPublish(clip_id=clip_id, title=data["title"], stem=stem_name)
        for clip_id, data, stem_name in zip(
            context.job.clip_ids, context.job.clip_data, stem_set.stem_names, strict=True
        )
    ]
    progress = _StemProgress(context)
    with ClipPublisher(
        context.services.blobs,
        context.workdir,
        audio.sample_rate,
        clips,
        total_samples=audio.samples.shape[1],
        progress=progress.publishing,
    ) as publisher:
        try:
            stems = separate_stream(audio.samples, audio.sample_rate, stem_set, publisher, progress.separation, options)
        except ValueError as error:
            raise JobFailed(f"the audio could not be separated: {error}", error_type="invalid_audio") from error
        files = publisher.finish()
    outputs: list[ClipOutput] = []
    for clip, data, stem in zip(clips, context.job.clip_data, stems, strict=True):
        data["metadata"]["duration"] = files[clip.clip_id].duration
        data["metadata"]["stem_silent"] = stem.silent
        data["metadata"]["engine"] = stem.method
        outputs.append(ClipOutput(clip.clip_id, data, files[clip.clip_id]))
    return JobResult(clips=outputs)


def _publish_exact_stems(context: JobContext, exact: ExactStems) -> JobResult:
    """A song songforge generated keeps its stems: hand them out instead of separating the mix."""
    clips = [
        ClipToPublish(clip_id=clip_id, title=data["title"], stem=stem_name)
        for clip_id, data, stem_name in zip(context.job.clip_ids, context.job.clip_data, exact.stems, strict=True)
    ]

    def publishing(fraction: float, stage: str) -> None:
        context.progress(DECODE_SHARE + (0.97 - DECODE_SHARE) * fraction, stage)

    with ClipPublisher(
        context.services.blobs,
        context.workdir,
        exact.sample_rate,
        clips,
        total_samples=exact.samples,
        progress=publishing,
    ) as publisher:
        for start, block in blocks_of_stems(exact.stems):
            publisher.write(start, block, copy=False)
        files = publisher.finish()
    outputs: list[ClipOutput] = []
    for clip, data in zip(clips, context.job.clip_data, strict=True):
        data["metadata"]["duration"] = files[clip.clip_id].duration
        data["metadata"]["stem_silent"] = exact.silent(clip.stem)
        data["metadata"]["engine"] = exact.engine
        outputs.append(ClipOutput(clip.clip_id, data, files[clip.clip_id]))
    return JobResult(clips=outputs)
