"""``--part web``: a large CSV uploaded to ``leadimport serve`` and reviewed (targets: the server's peak RSS
under 1.5 GB, every review grid page served in under 1 s).

The server runs as its own process (``leadimport serve --port 0``); this script signs in with the printed
link, uploads the sheet, accepts the suggested columns, waits for the dry run, then times grid pages:
the first, the middle and the last of all rows, and the first pages of each status and reason chip.
The server's peak RSS is its VmHWM from /proc once the pages have been served. Run alone:
``python bench/web_upload.py --rows 1000000``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from generate import DATA_DIR, DEFAULT_SEED, SheetSpec, ensure_sheet

MAX_RSS_MIB = 1536
MAX_PAGE_S = 1.0
PROJECT = "64f0c0ffee0000000000aaaa"
PROCESS = "64f0c0ffee0000000000beef"


@dataclass(frozen=True, slots=True)
class WebSettings:
    rows: int = 1_000_000
    seed: int = DEFAULT_SEED
    data_dir: Path = DATA_DIR
    python: str = sys.executable


@dataclass
class WebResult:
    rows: int
    upload_s: float = 0.0
    read_s: float = 0.0
    review_s: float = 0.0
    pages: list[tuple[str, float]] = field(default_factory=list)
    peak_rss_mib: float = 0.0
    counts: str = ""
    error: str | None = None

    @property
    def complete(self) -> bool:
        return self.error is None and bool(self.pages)

    def print_results(self) -> None:
        print(f"\nweb: {self.rows:,}-row CSV uploaded to leadimport serve and reviewed")
        if self.error:
            print(f"  FAILED: {self.error}")
            return
        print(
            f"  upload {self.upload_s:.1f} s, reading and suggesting columns {self.read_s:.1f} s, dry run {self.review_s:.1f} s"
        )
        print(f"  rows: {self.counts}")
        for name, seconds in self.pages:
            print(f"  grid page {name:<34} {seconds * 1000:7.0f} ms")
        slowest = max(s for _, s in self.pages)
        verdict = "ok" if slowest < MAX_PAGE_S else "MISSED"
        print(f"  slowest grid page {slowest * 1000:.0f} ms (target < {MAX_PAGE_S * 1000:.0f} ms): {verdict}")
        verdict = "ok" if self.peak_rss_mib < MAX_RSS_MIB else "MISSED"
        print(f"  server peak RSS {self.peak_rss_mib:.0f} MiB (target < {MAX_RSS_MIB} MiB): {verdict}")


def web_part(settings: WebSettings) -> WebResult:
    """Upload and review one generated CSV through a served page; the timings and the server's peak RSS."""
    sheet = ensure_sheet(SheetSpec("csv", settings.rows, settings.seed), settings.data_dir)
    result = WebResult(rows=settings.rows)
    with tempfile.TemporaryDirectory(prefix="leadimport-web-bench-") as tmp:
        command = [settings.python, "-m", "importer", "serve", "--port", "0", "--max-upload-mb", "1024"]
        command += ["--ledger", f"{tmp}/ledger.sqlite3", "--mappings-dir", f"{tmp}/mappings"]
        server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            assert server.stdout is not None
            server.stdout.readline()
            link = server.stdout.readline().strip().rsplit(" ", 1)[-1]
            _drive(link, sheet, result)
            result.peak_rss_mib = _peak_rss_mib(server.pid)
        except Exception as exc:  # the benchmark failed: said, not raised
            result.error = f"{type(exc).__name__}: {exc}"
        finally:
            server.terminate()
            server.wait(30)
    return result


def _drive(link: str, sheet: Path, result: WebResult) -> None:
    base = link.split("/login", 1)[0]
    with httpx.Client(base_url=base, follow_redirects=True, timeout=600) as client:
        client.get(link)
        csrf = _csrf(client.get("/").text)
        started = time.perf_counter()
        with sheet.open("rb") as handle:
            answer = client.post(
                "/upload", data={"csrftoken": csrf}, files={"file": (sheet.name, handle)}, follow_redirects=False
            )
        result.upload_s = time.perf_counter() - started
        sheet_page = answer.headers["location"]
        upload = sheet_page.split("/")[2]
        started = time.perf_counter()
        _wait(client, upload, "task")
        result.read_s = time.perf_counter() - started
        form = client.get(f"/u/{upload}/columns").text
        data = {"csrftoken": csrf, "action": "review", "project_id": PROJECT, "process_id": PROCESS}
        for name, body in re.findall(r'<select id="(col\d+|region)" name="\1"[^>]*>(.*?)</select>', form, re.S):
            chosen = re.search(r'<option value="([^"]*)" selected>', body)
            data[name] = chosen.group(1) if chosen else ""
        started = time.perf_counter()
        client.post(f"/u/{upload}/columns", data=data)
        _wait(client, upload, "task")
        result.review_s = time.perf_counter() - started
        review = client.get(f"/u/{upload}/review").text
        pages = int(re.search(r"Page 1 of (\d+)", review).group(1))  # type: ignore[union-attr]
        chips = re.findall(
            r'href="\?status=([^&]*)&amp;reason=([^&]*)&amp;page=1"[^>]*>([^<]+)<span class="n">(\d+)', review
        )
        result.counts = ", ".join(f"{label.strip()} {n}" for s, r, label, n in chips if s or r)
        targets = [
            ("all rows, page 1", ""),
            ("all rows, middle", f"page={pages // 2}"),
            ("all rows, last", f"page={pages}"),
        ]
        targets += [(f"{s or r}, page 1", f"status={s}&reason={r}") for s, r, _, _ in chips if s or r]
        targets += [(f"{s or r}, page 2 (again: cached)", f"status={s}&reason={r}&page=2") for s, r, _, _ in chips[1:3]]
        for name, query in targets:
            started = time.perf_counter()
            page = client.get(f"/u/{upload}/review?{query}")
            page.raise_for_status()
            result.pages.append((name, time.perf_counter() - started))


def _wait(client: httpx.Client, upload: str, what: str) -> None:
    while True:
        status = client.get(f"/u/{upload}/status/{what}").json()
        if not status.get("running"):
            if status.get("error"):
                raise RuntimeError(status["error"])
            return
        time.sleep(0.5)


def _csrf(html: str) -> str:
    return re.search(r'name="csrftoken" content="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def _peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    result = web_part(WebSettings(rows=args.rows))
    result.print_results()
    return 0 if result.complete else 1


if __name__ == "__main__":
    sys.exit(main())
