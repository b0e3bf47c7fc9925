"""The Twelve stem set as a pipeline, best model first.

1. Vocals / accompaniment: Spleeter 2-stem U-Nets (`spleeter.py`), or demucs htdemucs_6s when its
   weights are present and `options.prefer_demucs` (demucs then also gives Drums, Bass, Guitar and
   Keyboard (its "piano"); the next stage only splits demucs' "other" among the families it lacks).
2. Lead vs backing vocals: a spatial time-frequency mask on the vocal stem (lead = centre-panned energy,
   backing = side/wide energy; `dsp/spatial.py`). A mono mix has no side, so Backing Vocals is silent.
Instruments: each family's mask blends two methods, in a share per family (`TwelveParams.model_shares`,
   chosen on held-out validation songs). Learned (when `options.learned_twelve` and the weights load,
   `learned.py`): the trained mask model (`masknet.py`) reads the accompaniment's band magnitudes and
   answers ten masks that sum to one. DSP (steps 3-7 below; every family, whole, when the model is off or
   missing). The masks are spread from bands to STFT bins, blended, scaled to sum to one again and
   applied to the stereo accompaniment; FX keeps the residual.
3. Drums vs pitched: median-filtering HPSS of the accompaniment (`dsp/hpss.py`, on log-linear bands).
   The percussive part goes to Drums.
4.-6. Bass, Guitar, Keyboard, Strings, Brass, Woodwinds, Percussion, Synth: supervised
   NMF of the harmonic part with per-family spectral dictionaries learned from the GM soundfont TimGM6mb
   (`dsp/dictionaries.py`, `dsp/nmf.py`); drum templates take part too (cymbal wash, kick tails). Each
   family gets the share its templates explain, weighted by per-family priors (calibrated on training
   songs, see TwelveParams) and a low-frequency prior (below ~150 Hz pitched energy is Bass). The
   families other than Drums and Bass then re-split their joint share more softly (weights to the power
   `midrange_split_power` < 1): across soundfonts their templates barely tell them apart, so a hedged split
   errs less than a confident one. The soft masks sum to one, are spread from bands back to STFT bins
   and applied to the stereo accompaniment.
7. FX: sustained noise textures (sea, rain, crowds, engines: many sound effects are such textures)
   are found at STFT-bin resolution by a morphological opening that removes partials and drum hits
   (`dsp/noise.py`); their share of each bin is FX's before the families split the rest. FX is then the
   residual, so the twelve stems add up to the mix exactly (float rounding is folded into FX too).
   The dictionary has no FX templates (GM synth effects): they are pitched pads, as similar to the other
   families' templates as those are to each other, so their share was mostly other instruments' energy.

Every stem's `method` names what produced it. Long inputs are processed in overlapping chunks by the
shared chunked overlap-add (`chunking.py`: cores of CHUNK_SECONDS read with MARGIN_SECONDS more on each
side, at most ~34 s in memory at a time) cross-faded with weights that sum to one, so memory is constant
in the input length; every finished block of the twelve stems goes to the caller's sink at once
(`separate()` collects them, on disk above `collect.IN_MEMORY_LIMIT_BYTES`).
Any sample rate (processed at 44.1 kHz, resampled back; FX absorbs the resampling residual) and any
channel count (mono is processed as dual-mono and averaged back; > 2 channels one by one).
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import numpy as np
import scipy.sparse

from songforge.engines.audio import resample
from songforge.engines.progress import ProgressCallback, no_progress
from songforge.engines.separation import SeparatedStem, SeparationOptions, StemBlockSink, StemInfo
from songforge.engines.separation.chunking import ChunkView, block_length, block_ranges, overlap_add, plan_seconds
from songforge.engines.separation.dsp import bands
from songforge.engines.separation.dsp.dictionaries import Dictionary, get_dictionary
from songforge.engines.separation.dsp.hpss import hpss_masks
from songforge.engines.separation.dsp.nmf import nmf_activations
from songforge.engines.separation.dsp.noise import TextureParams, texture_mask
from songforge.engines.separation.dsp.spatial import centre_mask
from songforge.engines.separation.learned import load_learned_masks
from songforge.engines.separation.stems import ACCOMPANIMENT_STEMS, TWELVE_STEMS, StemSet, energy, is_silent
from songforge.engines.separation.stft import HOP, MODEL_SAMPLE_RATE, N_FFT, istft, stft

log = logging.getLogger(__name__)

NMF_ITERATIONS = 30

INSTRUMENT_FAMILIES: tuple[str, ...] = ACCOMPANIMENT_STEMS[:-1]  # all but FX, which is the residual

DEMUCS_MODEL = "htdemucs_6s"
DEMUCS_STEMS: dict[str, str] = {"Drums": "drums", "Bass": "bass", "Guitar": "guitar", "Keyboard": "piano"}

PITCHED = ("Bass", "Guitar", "Keyboard", "Strings", "Brass", "Woodwinds", "Percussion", "Synth")
# The families whose templates are least distinct from each other (see `midrange_split_power`).
MIDRANGE = PITCHED[1:]
# Families whose templates are used over their whole pitch range and that the low-frequency prior spares.
LOW_END_FAMILIES = ("Bass", "Drums")


@dataclass(frozen=True)
class TwelveParams:
    """Tunables of the DSP path. Values chosen on training songs (bench/testset.py seeds 2000-2005; the
    FX texture: seeds 4000-4015; `midrange_split_power` and the Strings/Percussion priors: seeds
    3000-3011), never on the benchmark's songs (seeds 1000-1003)."""

    harmonic_median_frames: int = 17  # frames (~0.4 s) of the harmonic median filter (HPSS)
    percussive_median_bands: int = 17  # bands of the percussive median filter (HPSS)
    nmf_iterations: int = NMF_ITERATIONS
    # Sustained noise textures go to FX (`dsp/noise.py`); None: off.
    fx_texture: TextureParams | None = field(default_factory=TextureParams)
    # Per-family prior weights on the NMF model spectrograms, calibrated by coordinate search on
    # training songs (bench/testset.py seeds 2000-2005 — not the benchmark's seeds 1000+): the raw
    # template fits favour the broad Keyboard/Percussion templates; these weights undo that bias.
    family_priors: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType(
            {
                "Drums": 32.0,
                "Bass": 16.0,
                "Guitar": 8.0,
                "Keyboard": 1.0,
                "Strings": 4.0,
                "Brass": 8.0,
                "Woodwinds": 2.0,
                "Percussion": 0.5,
                "Synth": 4.0,
            }
        )
    )
    # Within their joint share of a band, the pitched families other than Bass split it by their weights
    # raised to this power (< 1: a softer split). Across soundfonts their templates hardly tell them
    # apart (on training songs ~10% of a family's energy lands in its own stem, about as much as in each
    # other family's), so a confident split is mostly a confident wrong one. Drums and Bass keep theirs.
    midrange_split_power: float = 0.6
    # Below about this frequency pitched energy is the bass (the kick is in the drums): the families
    # other than Bass and Drums are damped there. None or 0: off.
    bass_only_below_hz: float | None = 150.0
    lowest_pitch_except_bass: int = 40  # MIDI (E2): lower templates of families other than Bass are not used
    # With the trained mask model loaded, each stem's mask is this share of the model's mask plus the rest of
    # the DSP path's (absent: 0, the DSP path alone; the DSP path's FX mask is what its families leave).
    # Chosen on held-out validation songs (bench/heldout.py seeds 9050-9059, never the benchmark's
    # 9000-9009) with `bench/separation.py --model-shares`, from shares 0, 0.25, 0.5, 0.75 and 1: against
    # routing each stem whole to the better method, every instrument stem gained (Drums 2.80 -> 4.01 dB,
    # Bass 2.92 -> 3.10, Percussion 0.87 -> 1.76, Synth -0.45 -> -0.02; mean 0.79 -> 1.13 dB).
    model_shares: Mapping[str, float] = field(
        default_factory=lambda: MappingProxyType(
            {
                "Drums": 0.75,
                "Keyboard": 0.75,
                "Brass": 0.75,
                "Woodwinds": 0.5,
                "Percussion": 1.0,
                "Synth": 0.75,
                "FX": 1.0,
            }
        )
    )
    harmonic_families: tuple[str, ...] = (*PITCHED, "Drums")  # compete for the harmonic part
    percussive_families: tuple[str, ...] = ("Drums",)  # compete for the percussive part


DEFAULT_TWELVE_PARAMS = TwelveParams()


# --------------------------------------------------------------------------------------------------
# Per-chunk separation (44.1 kHz stereo)


@dataclass(frozen=True)
class _PartModel:
    """One part of the accompaniment (harmonic or percussive, a soft HPSS mask over bands × frames) and
    each competing family's NMF model spectrogram of it (bands × frames)."""

    mask: np.ndarray
    family_estimates: dict[str, np.ndarray]


@dataclass(frozen=True)
class _AccompanimentAnalysis:
    spectrum: np.ndarray  # complex64 (2, bins, frames) of the accompaniment
    length: int  # samples
    band_magnitude: np.ndarray  # (bands, frames), of the channels' mean power
    parts: list[_PartModel]
    texture_keep: np.ndarray | None  # per bin × frame, the share the noise textures leave to the families


class _ChunkSeparator:
    """Separates one stereo 44.1 kHz chunk into the twelve stems (dict name → (2, n))."""

    def __init__(self, options: SeparationOptions, params: TwelveParams = DEFAULT_TWELVE_PARAMS) -> None:
        self.options = options
        if options.model_shares is not None:
            params = replace(params, model_shares=MappingProxyType(dict(options.model_shares)))
        self.params = params
        self.learned = load_learned_masks(options)
        # the DSP path's dictionary is only built (1-3 s) when some family takes a share from the DSP path
        dsp_needed = any(self.model_share(stem) < 1.0 for stem in ACCOMPANIMENT_STEMS)
        self.dictionary: Dictionary | None = get_dictionary(_cache_dir(options)) if dsp_needed else None
        self.band_matrix = scipy.sparse.csr_matrix(bands.band_matrix())
        self.spread_matrix = scipy.sparse.csr_matrix(bands.spread_matrix())
        self.band_centres = bands.band_centres()
        self.demucs = _demucs_ready(options)

    # --- stages ---------------------------------------------------------------------------------

    def vocals(self, chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
        """(vocals, accompaniment, demucs stems or {})."""
        if self.demucs:
            from songforge.engines.separation.demucs_backend import separate_with_demucs

            try:
                sources = separate_with_demucs(chunk, MODEL_SAMPLE_RATE, DEMUCS_MODEL, self.options, no_progress)
                vocals = np.asarray(sources["vocals"], dtype=np.float32)
                return vocals, chunk - vocals, sources
            except Exception:
                log.warning("demucs %s failed; using Spleeter + DSP", DEMUCS_MODEL, exc_info=True)
                self.demucs = False
        from songforge.engines.separation.spleeter import separate_vocals_accompaniment

        vocals, accompaniment = separate_vocals_accompaniment(chunk, MODEL_SAMPLE_RATE, no_progress)
        return vocals, accompaniment, {}

    def lead_backing(self, vocals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(lead, backing): the centre-panned part of the vocals and the rest."""
        spectrum = stft(vocals)
        lead = istft(spectrum * centre_mask(spectrum)[None], vocals.shape[-1])
        return lead, vocals - lead

    def magnitudes(self, spectrum: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(bins, frames) magnitude of the channels' mean power, and the same in bands (bands, frames)."""
        magnitude = np.sqrt((np.abs(spectrum) ** 2).mean(axis=0)).astype(np.float32)
        return magnitude, np.asarray(self.band_matrix @ magnitude, dtype=np.float32)

    def analyse(self, accompaniment: np.ndarray, params: TwelveParams) -> _AccompanimentAnalysis:
        """STFT, HPSS and the per-family NMF model spectrograms of the accompaniment (band domain)."""
        spectrum = stft(accompaniment)  # (2, bins, frames)
        magnitude, band_magnitude = self.magnitudes(spectrum)
        harmonic_mask, percussive_mask = hpss_masks(
            band_magnitude, time_width=params.harmonic_median_frames, freq_width=params.percussive_median_bands
        )
        dictionary = self.dictionary or get_dictionary(_cache_dir(self.options))
        templates = dictionary.W
        template_families = np.asarray(dictionary.families)
        template_pitches = dictionary.pitches
        parts = []
        for part_mask, families in (
            (harmonic_mask, params.harmonic_families),
            (percussive_mask, params.percussive_families),
        ):
            columns_by_family: dict[str, np.ndarray] = {}
            for family in families:
                columns = np.flatnonzero(template_families == family)
                if family not in LOW_END_FAMILIES:
                    columns = columns[template_pitches[columns] >= params.lowest_pitch_except_bass]
                columns_by_family[family] = columns
            part_templates = templates[:, np.concatenate(list(columns_by_family.values()))]
            activations = nmf_activations(band_magnitude * part_mask, part_templates, n_iter=params.nmf_iterations)
            estimates: dict[str, np.ndarray] = {}
            first = 0
            for family, columns in columns_by_family.items():
                last = first + len(columns)
                estimates[family] = part_templates[:, first:last] @ activations[first:last]
                first = last
            parts.append(_PartModel(part_mask, estimates))
        texture_keep = None
        if params.fx_texture is not None:
            power = np.multiply(magnitude, magnitude, out=magnitude)  # in place: the magnitude is not needed any more
            texture_keep = texture_mask(power, MODEL_SAMPLE_RATE, N_FFT, HOP, params.fx_texture)
            np.subtract(np.float32(1.0), texture_keep, out=texture_keep)
        return _AccompanimentAnalysis(spectrum, accompaniment.shape[-1], band_magnitude, parts, texture_keep)

    def band_shares(self, analysis: _AccompanimentAnalysis, params: TwelveParams) -> dict[str, np.ndarray]:
        """Per-family band-domain masks (sum to one) from the model spectrograms and the priors."""
        shares = {family: np.zeros_like(analysis.parts[0].mask) for family in ACCOMPANIMENT_STEMS}
        low_end_damping = None
        if params.bass_only_below_hz:
            cutoff = params.bass_only_below_hz
            rising = 1.0 / (1.0 + np.exp(-(self.band_centres - cutoff) / (0.25 * cutoff)))
            low_end_damping = rising[:, None].astype(np.float32)
        for part in analysis.parts:
            weights: dict[str, np.ndarray] = {}
            for family, estimate in part.family_estimates.items():
                weight = estimate * np.float32(params.family_priors.get(family, 1.0))
                if low_end_damping is not None and family not in LOW_END_FAMILIES:
                    weight = weight * low_end_damping
                weights[family] = weight
            total = sum(weights.values()) + 1e-30
            family_shares = {family: weight / total for family, weight in weights.items()}
            if params.midrange_split_power != 1.0:
                family_shares = _soften_group(family_shares, weights, MIDRANGE, params.midrange_split_power)
            for family, share in family_shares.items():
                shares[family] += part.mask * share
        return shares

    def accompaniment(
        self, accompaniment: np.ndarray, families: tuple[str, ...] | None = None
    ) -> dict[str, np.ndarray]:
        """Split the accompaniment into the ten instrument stems. Each method gives every stem a mask, the masks
        of a method summing to one (the DSP path's FX: what its families leave); each stem's mask is its
        `model_share` of the model's mask plus the rest of the DSP path's, and the blended masks are scaled to
        sum to one again. With `families`, only those families compete (the others' stems come out silent);
        FX keeps the residual."""
        competing = tuple(f for f in INSTRUMENT_FAMILIES if families is None or f in families)
        stems_blended = (*competing, "FX")
        shares = {stem: self.model_share(stem) for stem in stems_blended}
        bin_masks: dict[str, np.ndarray] = {}
        if any(share < 1.0 for share in shares.values()):
            params = replace(
                self.params,
                harmonic_families=tuple(f for f in self.params.harmonic_families if f in competing),
                percussive_families=tuple(f for f in self.params.percussive_families if f in competing)
                or ("Percussion",),
            )
            analysis = self.analyse(accompaniment, params)
            spectrum, band_magnitude = analysis.spectrum, analysis.band_magnitude
            dsp_shares = self.band_shares(analysis, params)
            dsp_masks = {}
            for family in competing:
                dsp_masks[family] = np.asarray(self.spread_matrix @ dsp_shares[family], dtype=np.float32)
                if analysis.texture_keep is not None:
                    # a sustained noise texture's share of each bin is FX's before the families split the rest
                    dsp_masks[family] *= analysis.texture_keep
            dsp_masks["FX"] = np.float32(1.0) - sum(dsp_masks.values(), np.zeros(spectrum.shape[1:], np.float32))
            bin_masks = {stem: np.float32(1.0 - shares[stem]) * dsp_masks[stem] for stem in stems_blended}
        else:
            spectrum = stft(accompaniment)
            _, band_magnitude = self.magnitudes(spectrum)
        if self.learned is not None and any(share > 0.0 for share in shares.values()):
            model_masks = self.learned.band_masks(band_magnitude)
            for stem in stems_blended:
                model_mask = np.float32(shares[stem]) * np.asarray(
                    self.spread_matrix @ model_masks[stem], dtype=np.float32
                )
                bin_masks[stem] = bin_masks[stem] + model_mask if stem in bin_masks else model_mask
            # blends of two partitions (and the model's masks of the families not competing) need not sum to one
            total = sum(bin_masks.values(), np.zeros(spectrum.shape[1:], dtype=np.float32))
            scale = np.reciprocal(np.maximum(total, np.float32(1e-12)))
            for mask in bin_masks.values():
                mask *= scale
        stems: dict[str, np.ndarray] = {}
        families_sum = np.zeros_like(accompaniment)
        for family in INSTRUMENT_FAMILIES:
            if family in competing:
                stems[family] = istft(spectrum * bin_masks[family][None], accompaniment.shape[-1])
                families_sum += stems[family]
            else:
                stems[family] = np.zeros_like(accompaniment)
        stems["FX"] = accompaniment - families_sum  # its mask's share, and the residual
        return stems

    def model_share(self, stem: str) -> float:
        """The trained model's share of an instrument stem's mask (0 without the model)."""
        if self.learned is None:
            return 0.0
        return float(self.params.model_shares.get(stem, 0.0))

    def __call__(self, chunk: np.ndarray, progress: ProgressCallback = no_progress) -> dict[str, np.ndarray]:
        vocals, accompaniment, demucs_sources = self.vocals(chunk)
        progress(0.4, "vocals")
        lead, backing = self.lead_backing(vocals)
        del vocals
        stems = {"Vocals": lead, "Backing Vocals": backing}
        progress(0.5, "backing vocals")
        if demucs_sources:
            # demucs knows drums, bass, guitar, piano; the learned masks (or the DSP path) split its
            # "other" stem among the families demucs lacks
            for name, source in DEMUCS_STEMS.items():
                stems[name] = np.asarray(demucs_sources[source], dtype=np.float32)
            other = accompaniment - stems["Drums"] - stems["Bass"] - stems["Guitar"] - stems["Keyboard"]
            rest = self.accompaniment(other, ("Strings", "Brass", "Woodwinds", "Percussion", "Synth", "FX"))
            for name in ("Strings", "Brass", "Woodwinds", "Percussion", "Synth"):
                stems[name] = rest[name]
        else:
            stems.update(self.accompaniment(accompaniment))
        progress(1.0, "instruments")
        # fold float rounding into FX: the chunk's stems sum to the chunk exactly
        total = np.zeros_like(chunk)
        for name in TWELVE_STEMS:
            if name != "FX":
                total += stems[name]
        stems["FX"] = chunk - total
        return stems

    def methods(self) -> dict[str, str]:
        vocal_method = f"demucs-{DEMUCS_MODEL}" if self.demucs else "spleeter-2stems"
        methods = {"Vocals": f"{vocal_method}+spatial-centre", "Backing Vocals": f"{vocal_method}+spatial-side"}
        if self.dictionary is not None:
            dictionary_method = f"nmf-gm-dictionary:{os.path.splitext(self.dictionary.source)[0]}"
            methods.update(dict.fromkeys(ACCOMPANIMENT_STEMS, f"hpss+{dictionary_method}"))
            methods["FX"] = "noise-texture+residual"  # with demucs too: the texture mask runs on demucs' "other"
        if self.learned is not None:
            for stem in ACCOMPANIMENT_STEMS:
                share = self.model_share(stem)
                if share >= 1.0:
                    methods[stem] = self.learned.method
                elif share > 0.0:
                    methods[stem] = f"{self.learned.method}×{share:g}+{methods[stem]}"
        if self.demucs:
            for name in DEMUCS_STEMS:
                methods[name] = f"demucs-{DEMUCS_MODEL}"
        return methods


def _soften_group(
    shares: dict[str, np.ndarray], weights: dict[str, np.ndarray], group: tuple[str, ...], power: float
) -> dict[str, np.ndarray]:
    """Re-split the group's joint share `Σ shares[f]` by `weights[f] ** power` (masks still sum to one; the
    other families' shares are unchanged)."""
    members = [family for family in group if family in shares]
    if len(members) < 2:
        return shares
    joint = sum(shares[family] for family in members)
    softened = {family: weights[family] ** np.float32(power) for family in members}
    total = sum(softened.values()) + 1e-30
    out = dict(shares)
    for family in members:
        out[family] = joint * (softened[family] / total)
    return out


def _cache_dir(options: SeparationOptions) -> str | None:
    if options.model_dir:
        return os.path.join(options.model_dir, "dsp-cache")
    return None


def _demucs_ready(options: SeparationOptions) -> bool:
    if not options.prefer_demucs:
        return False
    try:
        from songforge.engines.separation.demucs_backend import demucs_available
    except ImportError:
        return False
    try:
        return bool(demucs_available(options, DEMUCS_MODEL))
    except Exception:
        log.warning("demucs availability check failed; using the built-in path", exc_info=True)
        return False


# --------------------------------------------------------------------------------------------------
# Entry points


class _EnergyCountingWriter:
    """Hands the blocks on to the sink and sums each stem's energy on the way (for the silent flags)."""

    def __init__(self, sink: StemBlockSink) -> None:
        self.sink = sink
        self.energies = dict.fromkeys(TWELVE_STEMS, 0.0)

    def __call__(self, start: int, blocks: Mapping[str, np.ndarray]) -> None:
        self.sink.write(start, blocks)
        for name, block in blocks.items():
            self.energies[name] += energy(block)


def stream_twelve_stems(
    mix: np.ndarray,
    sample_rate: int,
    sink: StemBlockSink,
    progress: ProgressCallback = no_progress,
    options: SeparationOptions | None = None,
) -> list[StemInfo]:
    """The twelve stems of a validated mix (float32 (channels, samples), any rate), streamed to `sink`
    chunk by chunk, in TWELVE_STEMS order. Every block has the mix's channels; the stems add up to the
    mix (FX takes the residual). An all-zero mix gives twelve silent stems."""
    options = options or SeparationOptions()
    channels, length = mix.shape
    if not np.any(mix):
        silence = np.zeros((channels, min(length, block_length(sample_rate))), dtype=np.float32)
        for start, stop in block_ranges(length, silence.shape[1]):
            sink.write(start, dict.fromkeys(TWELVE_STEMS, silence[:, : stop - start]))
        progress(1.0, "done")
        return [StemInfo(name, "silence", True) for name in TWELVE_STEMS]

    separator = _ChunkSeparator(options)
    progress(0.05, "dictionaries")
    writer = _EnergyCountingWriter(sink)

    def process(chunk: ChunkView, chunk_progress: ProgressCallback) -> dict[str, np.ndarray]:
        return _separate_any_channels(separator, chunk.samples(), sample_rate, chunk_progress)

    def overall(fraction: float, stage: str) -> None:
        progress(0.05 + 0.9 * fraction, stage)

    overlap_add(mix, plan_seconds(length, sample_rate), process, writer, overall, "instruments")

    methods = separator.methods()
    mix_energy = energy(mix)
    infos = []
    for name in TWELVE_STEMS:
        stem_energy = writer.energies[name]
        relative_db = round(10 * math.log10((stem_energy + 1e-20) / (mix_energy + 1e-20)), 2)
        infos.append(
            StemInfo(
                name, methods[name], is_silent(stem_energy, mix_energy, mix.size), {"energy_db_vs_mix": relative_db}
            )
        )
    progress(1.0, "done")
    return infos


def separate_twelve_stems(
    mix: np.ndarray,
    sample_rate: int,
    progress: ProgressCallback = no_progress,
    options: SeparationOptions | None = None,
) -> list[SeparatedStem]:
    """Split `mix` (float32 (channels, samples), any rate) into the twelve stems, in TWELVE_STEMS order
    (`separate(mix, sample_rate, StemSet.TWELVE, …)`): every stem has the shape of `mix`; the stems add
    up to the mix (FX takes the residual)."""
    from songforge.engines.separation import separate

    return separate(mix, sample_rate, StemSet.TWELVE, progress, options)


def _separate_any_channels(
    separator: _ChunkSeparator, chunk: np.ndarray, sample_rate: int, progress: ProgressCallback = no_progress
) -> dict[str, np.ndarray]:
    """Stereo → stereo; mono → duplicated to stereo and averaged back; >2 channels → each as mono."""
    channels, length = chunk.shape
    if channels > 2:
        per_channel = []
        for channel in range(channels):

            def channel_progress(fraction: float, stage: str, channel: int = channel) -> None:
                progress((channel + fraction) / channels, stage)

            per_channel.append(
                _separate_any_channels(separator, chunk[channel : channel + 1], sample_rate, channel_progress)
            )
        return {name: np.concatenate([stems[name] for stems in per_channel], axis=0) for name in TWELVE_STEMS}
    at_model_rate = resample(chunk, sample_rate, MODEL_SAMPLE_RATE)
    if channels == 1:
        at_model_rate = np.concatenate([at_model_rate, at_model_rate], axis=0)
    if not np.any(at_model_rate):
        stems = {name: np.zeros_like(at_model_rate) for name in TWELVE_STEMS}
    else:
        stems = separator(np.ascontiguousarray(at_model_rate), progress)
    out: dict[str, np.ndarray] = {}
    total = np.zeros((channels, length), dtype=np.float32)
    for name in TWELVE_STEMS:
        stem = stems[name]
        if channels == 1:
            stem = stem.mean(axis=0, keepdims=True)
        stem = resample(stem, MODEL_SAMPLE_RATE, sample_rate)
        if stem.shape[1] < length:
            stem = np.pad(stem, ((0, 0), (0, length - stem.shape[1])))
        stem = np.ascontiguousarray(stem[:, :length], dtype=np.float32)
        out[name] = stem
        if name != "FX":
            total += stem
    out["FX"] = chunk - total  # exact sum at the input rate
    return out
