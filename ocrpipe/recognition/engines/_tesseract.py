"""The Tesseract engines: the only module that knows Tesseract exists.

`TesserocrEngine` keeps the model loaded in-process (fast); `PytesseractEngine`
runs the tesseract binary per call (the fallback). Both give the same text for the
same image.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ocrpipe._io import sha256_file
from ocrpipe.config import OcrConfig
from ocrpipe.errors import EngineError, EngineNotAvailable, EngineTimeout, InputError
from ocrpipe.recognition.engines._base import LineKind, Recognized, Recognizer

log = logging.getLogger(__name__)

TESSDATA_ENV = "OCRPIPE_TESSDATA"
TESSDATA_DIRS = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
)
DIGITS = "0123456789"
BADGE_SURE = 60.0  # a badge read below this confidence is read again with the digit model (digit_lang)


def languages(lang: str) -> list[str]:
    """Tesseract's "chi_sim+eng" as ["chi_sim", "eng"]; an empty or malformed name is an InputError."""
    names = lang.split("+")
    if not all(names) or any(not n.replace("_", "").replace("-", "").isalnum() for n in names):
        raise InputError(
            f"lang {lang!r} is not a Tesseract language list", "give lang names like chi_sim or chi_sim+eng", option="lang"
        )
    return names


def find_tessdata(lang: str, explicit: Path | None = None) -> Path:
    """The folder holding every <lang>.traineddata of lang ("chi_sim+eng": both), or
    EngineNotAvailable naming the Debian packages of those missing."""
    names = languages(lang)
    candidates: list[Path | None]
    if explicit:  # a folder the user named is the only place looked in: no silent fallback
        candidates = [Path(explicit)]
    else:
        candidates = [Path(os.environ[env]) for env in (TESSDATA_ENV, "TESSDATA_PREFIX") if os.environ.get(env)]
        candidates += [Path(p) for p in TESSDATA_DIRS]
    best: tuple[Path | None, list[str]] = (None, names)
    for folder in candidates:
        if folder is None:
            continue
        for f in (folder, folder / "tessdata"):
            missing = [n for n in names if not (f / f"{n}.traineddata").is_file()]
            if not missing:
                return f
            if len(missing) < len(best[1]):
                best = (f, missing)
    missing = best[1]
    where = best[0] or explicit or "the standard tessdata folders"
    files = ", ".join(f"{n}.traineddata" for n in missing)
    packages = " ".join(f"tesseract-ocr-{n.lower().replace('_', '-')}" for n in missing)
    if explicit:
        raise EngineNotAvailable(
            f"Tesseract language data {files} not found in {explicit} (tessdata)",
            "give tessdata the folder holding it, or leave tessdata unset to use the installed data",
            option="tessdata",
        )
    raise EngineNotAvailable(
        f"Tesseract language data {files} not found in {where}",
        f"apt-get install {packages} (or run `make install`), or point tessdata or ${TESSDATA_ENV} at a folder holding it",
        option="tessdata",
    )


class _TesseractBase:
    name = "tesseract"
    backend = ""
    wants_clean_lines = True  # detected lines go through the ink model first (measured: README)

    def __init__(self, config: OcrConfig) -> None:
        self.config = config
        self.tessdata = find_tessdata(config.lang, config.tessdata)
        self._models = [self.tessdata / f"{n}.traineddata" for n in languages(config.lang)]
        self._digit_model = self.tessdata / "eng.traineddata"
        self.digit_lang = self._digit_lang()  # decided once: it is asked on every badge read

    def version(self) -> str:
        raise NotImplementedError

    def _read(self, image: np.ndarray, psm: int, whitelist: str = "", lang: str = "") -> Recognized:
        """One recognition call in the given page segmentation mode (the backend's part), in the
        configured languages or `lang`."""
        raise NotImplementedError

    def _digit_lang(self) -> str:
        """A second model for number badges chi_sim is unsure of: eng, which Debian's tesseract-ocr
        installs (chi_sim reads a lone serif 4 or a bold 7 on its own as nothing, or at confidence
        28: eng reads them at 90+). Empty when it is missing or already among the languages."""
        if "eng" in languages(self.config.lang) or not self._digit_model.is_file():
            return ""
        return "eng"

    def recognize_line(self, image: np.ndarray, kind: LineKind = "text") -> Recognized:
        whitelist = DIGITS if kind == "badge" else ""
        rec = self._read(image, self.config.line_psm, whitelist)
        if not rec.text.strip() and self.config.retry_psm:
            rec = self._read(image, self.config.retry_psm, whitelist)
        if kind == "badge" and rec.confidence < BADGE_SURE and self.digit_lang:
            other = self._read(image, self.config.line_psm, whitelist, self.digit_lang)
            if other.text.strip() and other.confidence > rec.confidence:
                rec = other
        return rec

    def recognize_page(self, image: np.ndarray) -> Recognized:
        return self._read(image, self.config.page_psm)

    def provenance(self) -> dict:
        return {
            "engine": "tesseract",
            "backend": self.backend,
            "version": self.version(),
            "lang": self.config.lang,
            # several languages ("chi_sim+eng"): each file and its sha256, joined with "+" in the same order
            "language_data": "+".join(str(m) for m in self._models),
            "language_data_sha256": "+".join(sha256_file(m) for m in self._models),
            # the second model unsure badges are read with ("" when none)
            "badge_digit_data": str(self._digit_model) if self.digit_lang else "",
            "badge_digit_data_sha256": sha256_file(self._digit_model) if self.digit_lang else "",
            "line_psm": self.config.line_psm,
            "retry_psm": self.config.retry_psm,
            "page_psm": self.config.page_psm,
            "omp_thread_limit": os.environ.get("OMP_THREAD_LIMIT"),
        }

    def close(self) -> None:
        pass


class TesserocrEngine(_TesseractBase):
    """libtesseract in-process through tesserocr: the model is loaded once."""

    backend = "tesserocr"

    def __init__(self, config: OcrConfig) -> None:
        super().__init__(config)
        try:
            import tesserocr
        except ImportError as exc:
            raise EngineNotAvailable(
                "the tesserocr backend is not installed",
                "pip install tesserocr, or set backend to pytesseract",
                option="backend",
            ) from exc
        self._mod = tesserocr
        self._apis: dict[tuple[int, str, str], Any] = {}
        self.symbols = False  # the consensus asks for per-symbol confidences and choices

    def _api(self, psm: int, whitelist: str = "", lang: str = "") -> Any:
        key = (psm, whitelist, lang)
        api = self._apis.get(key)
        if api is None:
            try:
                api = self._mod.PyTessBaseAPI(path=str(self.tessdata), lang=lang or self.config.lang, psm=psm)
            except RuntimeError as exc:
                raise EngineNotAvailable(f"Tesseract could not load {'+'.join(m.name for m in self._models)}: {exc}") from exc
            if whitelist:
                api.SetVariable("tessedit_char_whitelist", whitelist)
            if self.symbols:
                api.SetVariable("lstm_choice_mode", "2")  # the LSTM's alternatives per symbol
            self._apis[key] = api
        return api

    def _read(self, image: np.ndarray, psm: int, whitelist: str = "", lang: str = "") -> Recognized:
        api = self._api(psm, whitelist, lang)
        api.SetImage(Image.fromarray(image))
        if not api.Recognize(timeout=int(self.config.timeout * 1000)):
            raise EngineTimeout(f"Tesseract did not finish within {self.config.timeout:g}s")
        text = api.GetUTF8Text() or ""
        conf = float(max(0, api.MeanTextConf()))
        if not self.symbols:
            return Recognized(text=text, confidence=conf)
        syms = self._symbols(api)
        if [c for c, _p, _a in syms] != [ch for ch in text if not ch.isspace()]:
            return Recognized(text=text, confidence=conf)  # the iterator disagrees with the text: keep the text
        text = text.strip()
        confs: list[float] = []
        choices: list[tuple[tuple[str, float], ...]] = []
        k = 0
        for ch in text:
            if ch.isspace():
                confs.append(1.0)
                choices.append(())
            else:
                _c, p, alts = syms[k]
                confs.append(p)
                # LSTM's other choices come with confidences on another scale: never above the best's complement
                choices.append(tuple((c, min(q, 1.0 - p)) for c, q in alts))
                k += 1
        return Recognized(text=text, confidence=conf, char_conf=tuple(confs), choices=tuple(choices))

    def _symbols(self, api: Any) -> list[tuple[str, float, tuple[tuple[str, float], ...]]]:
        """The symbols of the last recognition: each with its confidence (0..1) and LSTM's other choices."""
        RIL = self._mod.RIL
        out: list[tuple[str, float, tuple[tuple[str, float], ...]]] = []
        it = api.GetIterator()
        if it is None:
            return out
        while True:
            try:
                sym = it.GetUTF8Text(RIL.SYMBOL)
            except RuntimeError:  # tesserocr raises for an empty symbol
                sym = ""
            if sym:
                best = max(0.0, min(1.0, it.Confidence(RIL.SYMBOL) / 100.0))
                alts = []
                for ch in it.GetChoiceIterator():
                    c = ch.GetUTF8Text()
                    if c and c != sym:
                        alts.append((c, max(0.0, min(1.0, ch.Confidence() / 100.0))))
                out.extend((c, best, tuple(alts[:3]) if len(sym) == 1 else ()) for c in sym)
            if not it.Next(RIL.SYMBOL):
                break
        return out

    def version(self) -> str:
        return self._mod.tesseract_version().split()[1] if self._mod.tesseract_version() else "unknown"

    def close(self) -> None:
        for api in self._apis.values():
            api.End()
        self._apis.clear()


class PytesseractEngine(_TesseractBase):
    """The tesseract binary through pytesseract: one process per call."""

    backend = "pytesseract"

    def __init__(self, config: OcrConfig) -> None:
        super().__init__(config)
        import pytesseract

        self._pt = pytesseract
        try:
            self._version = str(pytesseract.get_tesseract_version())
        except pytesseract.TesseractNotFoundError as exc:
            raise EngineNotAvailable("the tesseract program is not installed") from exc

    def _read(self, image: np.ndarray, psm: int, whitelist: str = "", lang: str = "") -> Recognized:
        pt = self._pt
        cfg = f"--psm {psm} --tessdata-dir {self.tessdata}"
        if whitelist:
            cfg += f" -c tessedit_char_whitelist={whitelist}"
        try:
            data = pt.image_to_data(
                Image.fromarray(image),
                lang=lang or self.config.lang,
                config=cfg,
                timeout=self.config.timeout,
                output_type=pt.Output.DICT,
            )
        except RuntimeError as exc:
            if "timeout" in str(exc).lower():
                raise EngineTimeout(f"Tesseract did not finish within {self.config.timeout:g}s") from exc
            raise EngineError(f"Tesseract failed: {exc}") from exc
        except pt.TesseractError as exc:
            raise EngineError(f"Tesseract failed: {exc.message or exc}") from exc
        # image_to_data gives words; rebuild lines the way GetUTF8Text does.
        lines: dict[tuple[int, int, int], list[str]] = {}
        confs = []
        for i, word in enumerate(data["text"]):
            conf = float(data["conf"][i])
            if conf < 0:
                continue
            confs.append(conf)
            key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            lines.setdefault(key, []).append(word)
        text = "\n".join(" ".join(ws) for _k, ws in sorted(lines.items()))
        return Recognized(text=text, confidence=float(np.mean(confs)) if confs else 0.0)

    def version(self) -> str:
        return self._version


def make_tesseract(config: OcrConfig) -> Recognizer:
    """A Tesseract engine; `auto` prefers the in-process backend."""
    if config.backend in ("auto", "tesserocr"):
        try:
            return TesserocrEngine(config)
        except EngineNotAvailable:
            if config.backend == "tesserocr":
                raise
            log.info("tesserocr is not installed; using the slower pytesseract backend")
    return PytesseractEngine(config)
