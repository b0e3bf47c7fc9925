"""Train the Twelve pipeline's family mask model (`songforge.engines.separation.masknet`) from scratch.

    python bench/train_twelve.py render        # the training songs, cached under bench/.cache/train-twelve/
    python bench/train_twelve.py train         # the weights, their manifest and a log
    python bench/train_twelve.py all           # both
    python bench/train_twelve.py train --warm-start --steps 3000 --learning-rate 0.001 --seed 1
                                               # more steps from the weights there are (the manifest keeps
                                               # the whole chain of commands; the log grows by a section)

Data recipe (everything inside `heldout.SEEN`, nothing the held-out benchmark songs are made of):
- songs: `TRAINING_SEEDS`, each `SONG_SECONDS` long, composed by bench/testset.py's `Composer` (its tempi,
  major/minor keys, progressions and parts), but every pitched family plays a part drawn at random from
  the testset's parts (strummed chords, held chords, pads, melodies, riffs, arpeggiated eighths),
  transposed into the family's range: the model has to tell the families by their sound, not by which
  part each one always plays;
- timbres: one seen soundfont per song (TimGM6mb, csound's sf_GMbank, FluidR3_GM) and, per family, a GM
  program from the seen programs (`heldout.SEEN.programs`); drums: that font's GM kit, the testset groove;
- each stem is rendered mono and dry and cached as float16.
Training examples (drawn afresh every step from `--seed`): 3-second crops; with probability
`REMIX_PROBABILITY` each stem comes from another song and another time (incoherent mixes, as demucs
trains); each stem is dropped with probability `DROP_PROBABILITY`, set to the testset's level ± 6 dB, and
coloured by a smooth random equaliser (± 4 dB over log-frequency, the one augmentation `SEEN.effects`
lists); the mix is scaled to a random level. The model sees the mix's band magnitudes and answers ten
masks; the loss is each stem's negative SDR (in dB/10) in the complex STFT domain after masking, with a
floor 30 dB under the mix so a dropped stem is asked for silence.

Writes `src/songforge/engines/separation/data/twelve-masknet.pt` (a state dict, float32), beside it
`twelve-masknet.json` (sha256, size, the exact command, recipe, seed, steps, device, time, final loss)
and the training log, `twelve-masknet.log`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(HERE))

import heldout
import testset
from songforge.engines.separation.dsp import bands
from songforge.engines.separation.dsp.dictionaries import LEARN_SPEC
from songforge.engines.separation.dsp.render import DEBIAN_FLUIDR3, Note, SoundFontRenderer, timgm6mb_path
from songforge.engines.separation.masknet import FAMILIES, MaskNet, MaskNetConfig
from songforge.engines.separation.stft import HOP, N_FFT

SAMPLE_RATE = testset.SAMPLE_RATE
TRAINING_SEEDS = range(20000, 20400)
SONG_SECONDS = 12.0
CACHE = testset.CACHE_DIR / "train-twelve"
DATA_VERSION = 1
WEIGHTS = ROOT / "src" / "songforge" / "engines" / "separation" / "data" / "twelve-masknet.pt"
MANIFEST = WEIGHTS.with_suffix(".json")
LOG = WEIGHTS.with_suffix(".log")

CROP_SECONDS = 3.0
REMIX_PROBABILITY = 0.5
DROP_PROBABILITY = 0.2
LEVEL_JITTER_DB = 6.0
EQ_DB = 4.0
CHECKPOINT_EVERY = 250
SILENCE_FLOOR = 1e-3  # a stem's error and energy both get this share of the mix's energy added
# The pitch range each family's parts are moved into (the dictionary's learning ranges).
FAMILY_RANGES: dict[str, tuple[int, int]] = {family: spec[1] for family, spec in LEARN_SPEC.items()}
FAMILY_RANGES["FX"] = (55, 84)
SEEN_FONTS: tuple[str, ...] = ("TimGM6mb", "/usr/share/sounds/sf2/sf_GMbank.sf2", DEBIAN_FLUIDR3)


# --------------------------------------------------------------------------------------------------
# Songs


def _font_path(name: str) -> str:
    return str(timgm6mb_path()) if name == "TimGM6mb" else name


def _parts(comp: testset.Composer, program: int) -> list[Callable[[], list[Note]]]:
    """The testset's pitched parts, any of which a family may play in a training song."""
    return [
        comp.guitar,
        comp.keyboard,
        comp.strings,
        comp.brass,
        comp.woodwinds,
        comp.percussion,
        lambda: comp.synth(program),
        lambda: comp.synth(90),  # the pad form of the synth part
        lambda: comp.melody_line(55, 79, 0.7, set(range(comp.n_bars))),
    ]


def _into_range(notes: list[Note], low: int, high: int, rng: np.random.Generator) -> list[Note]:
    """Octave-shift the part so its middle pitch lands at a random place inside [low, high]."""
    if not notes:
        return notes
    middle = float(np.median([n.pitch for n in notes]))
    target = rng.uniform(low + 6, max(low + 6, high - 6))
    shift = 12 * round((target - middle) / 12)
    return [Note(n.start, n.end, min(127, max(0, n.pitch + shift)), n.velocity) for n in notes]


def render_training_song(seed: int) -> np.ndarray:
    """The ten instrument stems of one training song, mono float32 (10, samples), in FAMILIES order."""
    comp = testset.Composer(seed, SONG_SECONDS)
    rng = comp.rng
    renderer = SoundFontRenderer(_font_path(SEEN_FONTS[seed % len(SEEN_FONTS)]), SAMPLE_RATE)
    n = round(SONG_SECONDS * SAMPLE_RATE)
    stems = np.zeros((len(FAMILIES), n), dtype=np.float32)
    for index, family in enumerate(FAMILIES):
        if family == "Drums":
            audio = renderer.render(comp.drums(), 0, is_drum=True, duration=SONG_SECONDS)
        else:
            program = int(rng.choice(heldout.SEEN.programs[family]))
            if family == "Bass" and rng.random() < 0.7:
                notes = comp.bass()
            elif family == "FX" and rng.random() < 0.5:
                notes = comp.fx()
            else:
                parts = _parts(comp, program)
                notes = _into_range(parts[int(rng.integers(len(parts)))](), *FAMILY_RANGES[family], rng)
            audio = renderer.render(notes, program - 1, duration=SONG_SECONDS)
        mono = audio.mean(axis=0)
        stems[index] = mono / np.float32(testset.rms(mono))  # unit RMS: levels are drawn per example
    return stems


def song_path(seed: int) -> Path:
    return CACHE / f"v{DATA_VERSION}-seed{seed}-{SONG_SECONDS:g}s.npy"


def _render_and_store(seed: int) -> None:
    path = song_path(seed)
    if path.is_file():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
    np.save(tmp, render_training_song(seed).astype(np.float16))
    os.replace(tmp, path)


def render_all(jobs: int) -> None:
    started = time.time()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(_render_and_store, TRAINING_SEEDS))
    print(f"rendered {len(TRAINING_SEEDS)} training songs in {time.time() - started:.0f} s under {CACHE}")


# --------------------------------------------------------------------------------------------------
# Examples


@dataclass(frozen=True)
class TrainConfig:
    seed: int = 0
    steps: int = 3000
    batch: int = 8
    learning_rate: float = 2e-3
    threads: int = 2
    warm_start: bool = False  # start from the committed weights instead of a fresh model


class Examples:
    """Random training mixes drawn from the cached songs (see the module docstring)."""

    def __init__(self, songs: list[np.ndarray], rng: np.random.Generator) -> None:
        self.songs = songs
        self.rng = rng
        self.crop = round(CROP_SECONDS * SAMPLE_RATE)
        self.levels_db = np.array([testset.LEVELS_DB[f] for f in FAMILIES])

    def batch(self, size: int) -> np.ndarray:
        """(size, families, crop) float32 stems of `size` mixes."""
        out = np.zeros((size, len(FAMILIES), self.crop), dtype=np.float32)
        for example in range(size):
            base = int(self.rng.integers(len(self.songs)))
            base_start = int(self.rng.integers(self.songs[base].shape[1] - self.crop))
            keep = self.rng.random(len(FAMILIES)) >= DROP_PROBABILITY
            if keep.sum() < 2:
                keep[self.rng.choice(len(FAMILIES), 2, replace=False)] = True
            for index in np.flatnonzero(keep):
                song, start = base, base_start
                if self.rng.random() < REMIX_PROBABILITY:
                    song = int(self.rng.integers(len(self.songs)))
                    start = int(self.rng.integers(self.songs[song].shape[1] - self.crop))
                gain_db = self.levels_db[index] + self.rng.uniform(-LEVEL_JITTER_DB, LEVEL_JITTER_DB)
                gain = np.float32(10 ** (gain_db / 20))
                out[example, index] = self.songs[song][index, start : start + self.crop] * gain
            peak = np.abs(out[example].sum(axis=0)).max() + 1e-9
            out[example] *= self.rng.uniform(0.2, 0.95) / peak
        return out

    def equaliser(self, size: int, n_bins: int) -> np.ndarray:
        """(size, families, bins) smooth random gains, ± EQ_DB over log-frequency."""
        log_f = np.log2(np.maximum(np.arange(n_bins) * SAMPLE_RATE / N_FFT, 20.0))
        phase = (log_f - log_f.min()) / (log_f.max() - log_f.min())
        curves = np.zeros((size, len(FAMILIES), n_bins))
        for k in (1, 2, 3):
            amplitude = self.rng.uniform(-1, 1, (size, len(FAMILIES), 1)) * EQ_DB / 2
            offset = self.rng.uniform(0, 2 * np.pi, (size, len(FAMILIES), 1))
            curves += amplitude * np.cos(np.pi * k * phase[None, None] + offset)
        return (10 ** (np.clip(curves, -EQ_DB, EQ_DB) / 20)).astype(np.float32)


# --------------------------------------------------------------------------------------------------
# Training


class MaskedError:
    """Each stem's squared error Σ|M·X - S|² over bins and frames after its band mask M is spread to the
    bins (`bands.spread_matrix`, W: each bin interpolates two neighbouring bands), computed exactly in
    the band domain: Σ_k |X_k|² (Σ_b W_kb m_b)² is a tridiagonal quadratic form in the band masks, so
    the bin-sized tensors are reduced once per batch, without gradients, and the model's gradient only
    flows through (bands × frames) tensors (9× fewer than bins)."""

    def __init__(self) -> None:
        spread = bands.spread_matrix().astype(np.float64)  # (bins, bands)
        for row in spread:
            columns = np.flatnonzero(row)
            if columns[-1] - columns[0] > 1:
                raise ValueError("a bin spreads over bands that are not neighbours")
        self.spread_t = torch.from_numpy(spread.T.astype(np.float32).copy())
        self.square_t = torch.from_numpy((spread**2).T.astype(np.float32).copy())
        self.neighbour_t = torch.from_numpy((spread[:, :-1] * spread[:, 1:]).T.astype(np.float32).copy())

    def terms(self, mix: torch.Tensor, stems: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Per batch, from the complex mix (n, bins, frames) and stems (n, families, bins, frames):
        the diagonal and neighbour weights of the quadratic form, the linear term and the stems' energy."""
        power = mix.real.square() + mix.imag.square()
        cross = mix.real[:, None] * stems.real + mix.imag[:, None] * stems.imag  # Re(X* S)
        return (
            self.square_t @ power,  # (n, bands, frames)
            self.neighbour_t @ power,  # (n, bands - 1, frames)
            self.spread_t @ cross,  # (n, families, bands, frames)
            (stems.real.square() + stems.imag.square()).sum(dim=(2, 3)),  # (n, families)
        )

    @staticmethod
    def error(masks: torch.Tensor, terms: tuple[torch.Tensor, ...]) -> torch.Tensor:
        """(n, families) squared errors of the masks (n, families, bands, frames)."""
        diagonal, neighbour, linear, energy = terms
        quadratic = (masks.square() * diagonal[:, None]).sum(dim=(2, 3))
        quadratic = quadratic + 2 * (masks[:, :, :-1] * masks[:, :, 1:] * neighbour[:, None]).sum(dim=(2, 3))
        return (quadratic - 2 * (masks * linear).sum(dim=(2, 3)) + energy).clamp_min(0.0)


def train(config: TrainConfig, command: str) -> dict[str, object]:
    torch.manual_seed(config.seed)
    torch.set_num_threads(config.threads)
    songs = [np.load(song_path(seed)) for seed in TRAINING_SEEDS]  # float16: 4 GB for 400 songs
    examples = Examples(songs, np.random.default_rng(config.seed))
    model = MaskNet(MaskNetConfig())
    earlier = json.loads(MANIFEST.read_text()) if config.warm_start else None
    if earlier is not None:
        if hashlib.sha256(WEIGHTS.read_bytes()).hexdigest() != earlier["sha256"]:
            raise SystemExit(f"{WEIGHTS} does not match {MANIFEST}: nothing to warm-start from")
        model.load_state_dict(torch.load(WEIGHTS, weights_only=True))
    optimiser = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=config.learning_rate, total_steps=config.steps, pct_start=0.05
    )
    window = torch.hann_window(N_FFT)
    band_matrix = torch.from_numpy(bands.band_matrix().astype(np.float32))
    masked_error = MaskedError()
    n_bins = N_FFT // 2 + 1
    LOG.parent.mkdir(parents=True, exist_ok=True)
    started = time.time()
    losses: list[float] = []
    with LOG.open("a" if earlier is not None else "w") as log:
        log.write(f"# {command}\n# {json.dumps(asdict(config))}\n")
        for step in range(1, config.steps + 1):
            stems = torch.from_numpy(examples.batch(config.batch))
            batch, families, length = stems.shape
            spectra = torch.stft(
                stems.reshape(-1, length), N_FFT, HOP, window=window, center=True, return_complex=True
            ).reshape(batch, families, n_bins, -1)
            spectra = spectra * torch.from_numpy(examples.equaliser(batch, n_bins))[..., None]
            mix = spectra.sum(dim=1)
            band_magnitude = torch.einsum("kb,nbt->nkt", band_matrix, mix.abs())
            terms = masked_error.terms(mix, spectra)
            masks = model(band_magnitude)  # (batch, families, bands, frames)
            error = masked_error.error(masks, terms)
            energy = terms[3]
            floor = SILENCE_FLOOR * energy.sum(dim=1, keepdim=True)
            loss = torch.log10((error + floor) / (energy + floor)).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            losses.append(loss.item())
            if step % 50 == 0 or step == config.steps:
                recent = float(np.mean(losses[-50:]))
                elapsed = time.time() - started
                line = f"step {step} loss {recent:.4f} (SDR ≈ {-10 * recent:.2f} dB) elapsed {elapsed:.0f} s"
                print(line, flush=True)
                log.write(line + "\n")
                log.flush()
            if step % CHECKPOINT_EVERY == 0:  # to look at while it trains (bench/separation.py --masknet)
                torch.save(model.state_dict(), CACHE / "checkpoint.pt")
    model.eval()
    WEIGHTS.parent.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), WEIGHTS)
    digest = hashlib.sha256(WEIGHTS.read_bytes()).hexdigest()
    manifest: dict[str, object] = {
        "file": WEIGHTS.name,
        "sha256": digest,
        "bytes": WEIGHTS.stat().st_size,
        "command": command if earlier is None else f"{earlier['command']} && {command}",
        "model": asdict(MaskNetConfig()),
        "training": asdict(config) if earlier is None else [*_stages(earlier), asdict(config)],
        "data": {
            "seeds": f"{TRAINING_SEEDS.start}-{TRAINING_SEEDS.stop - 1}",
            "song_seconds": SONG_SECONDS,
            "fonts": [Path(f).name for f in SEEN_FONTS],
            "crop_seconds": CROP_SECONDS,
            "remix_probability": REMIX_PROBABILITY,
            "drop_probability": DROP_PROBABILITY,
            "level_jitter_db": LEVEL_JITTER_DB,
            "equaliser_db": EQ_DB,
        },
        "device": f"cpu ({config.threads} threads, torch {torch.__version__})",
        "seconds": round(time.time() - started) + (int(earlier["seconds"]) if earlier is not None else 0),
        "final_loss": round(float(np.mean(losses[-200:])), 4),
    }
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")
    print(json.dumps(manifest, indent=2))
    return manifest


def _stages(manifest: dict[str, object]) -> list[object]:
    """The training stages an earlier manifest records (one, or the list of a warm-started run)."""
    training = manifest["training"]
    return list(training) if isinstance(training, list) else [training]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("phase", choices=("render", "train", "all"))
    parser.add_argument("--jobs", type=int, default=2, help="render processes")
    parser.add_argument("--seed", type=int, default=TrainConfig.seed)
    parser.add_argument("--steps", type=int, default=TrainConfig.steps)
    parser.add_argument("--threads", type=int, default=TrainConfig.threads)
    parser.add_argument("--learning-rate", type=float, default=TrainConfig.learning_rate)
    parser.add_argument("--warm-start", action="store_true", help="continue from the committed weights")
    args = parser.parse_args(argv)
    command = "python bench/train_twelve.py " + " ".join(sys.argv[1:] if argv is None else argv)
    if args.phase in ("render", "all"):
        render_all(args.jobs)
    if args.phase in ("train", "all"):
        config = TrainConfig(
            seed=args.seed,
            steps=args.steps,
            learning_rate=args.learning_rate,
            threads=args.threads,
            warm_start=args.warm_start,
        )
        train(config, command)


if __name__ == "__main__":
    main()
