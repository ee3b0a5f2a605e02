"""Where the yardstick's parts are: Chromium, and the hls.js and dash.js
files (from npm). Missing parts are an InfrastructureMissing (exit 3) whose
message says exactly how to get them."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from harness.spec.errors import InfrastructureMissing

# The player versions kickoff's web viewer is compared with (tests/players/package.json pins
# the same, with its package-lock.json).
HLS_JS = "hls.js@1.7.4"
DASH_JS = "dashjs@5.2.1"
# Each library's browser build, under the folder npm installs packages into.
PLAYER_FILES = {
    "hls": Path("node_modules/hls.js/dist/hls.min.js"),
    "dash": Path("node_modules/dashjs/dist/modern/umd/dash.mediaplayer.min.js"),
}
PLAYERS_ENV = "KICKOFF_PLAYERS"  # where the player files are, if not the default
CHROMIUM_ENV = "KICKOFF_CHROMIUM"  # which Chromium to run, if not the one on PATH
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
CHROMIUM_HOW = "install it (Debian: apt-get install chromium)"


def default_players() -> Path:
    """$KICKOFF_PLAYERS, else kickoff's folder in the user's cache."""
    if os.environ.get(PLAYERS_ENV):
        return Path(os.environ[PLAYERS_ENV]).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "kickoff" / "players"


@dataclass(frozen=True)
class Yardstick:
    """A Chromium to run and the folder holding the players' npm packages."""

    chromium: str
    players: Path

    def player_file(self, protocol: str) -> Path:
        return self.players / PLAYER_FILES[protocol]


def find(chromium: str | None, players: Path | None, protocol: str) -> Yardstick:
    """The Chromium and player files to use (None: the defaults), or
    InfrastructureMissing saying how to get what is not there."""
    given = chromium or os.environ.get(CHROMIUM_ENV)
    if given:
        found = shutil.which(given)
        if found is None:
            raise InfrastructureMissing(
                f"no Chromium at {given} ({CHROMIUM_HOW}, or give --chromium PATH)"
            )
    else:
        found = next((path for path in map(shutil.which, CHROMIUM_NAMES) if path), None)
        if found is None:
            raise InfrastructureMissing(
                f"Chromium is not on PATH ({CHROMIUM_HOW}, or give --chromium PATH)"
            )
    folder = (players or default_players()).expanduser()
    if not (folder / PLAYER_FILES[protocol]).is_file():
        raise InfrastructureMissing(
            f"the player files are not in {folder} (get them with: npm install --prefix "
            f"{folder} {HLS_JS} {DASH_JS}; or give --players DIR or ${PLAYERS_ENV})"
        )
    return Yardstick(found, folder)
