"""Text and picture views of one viewer's candidates and last response (LiveRoomEnv.render)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from livedqn_edu.envs.rooms import CATEGORIES, MINUTES_PER_DAY

if TYPE_CHECKING:
    from livedqn_edu.envs.world import World

__all__ = ["CATEGORY_COLOURS", "render_picture", "render_text"]

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
CHOICES = ("clicked", "kept browsing", "closed the app")
CATEGORY_COLOURS = np.array(
    [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40],
     [148, 103, 189], [140, 86, 75], [227, 119, 194], [127, 127, 127]],
    dtype=np.uint8,
)  # fmt: skip
"""RGB colour of each category in the picture (tab10 colours)."""


def _clock(t: float) -> str:
    day = int(t // MINUTES_PER_DAY)
    minute = int(t % MINUTES_PER_DAY)
    return f"day {day} ({DAYS[day % 7]}) {minute // 60:02d}:{minute % 60:02d}"


def _category(c: int) -> str:
    return CATEGORIES[c] if 0 <= c < len(CATEGORIES) else f"category{c}"


def render_text(world: World, last: dict[str, Any] | None, viewer: int = 0) -> str:
    """The candidates of ``viewer`` as a table, then their last response, as a string."""
    v = world.viewers
    assert v is not None
    r = world.rooms
    t = float(v.t[viewer])
    head = (
        f"{_clock(t)}  session {int(v.sessions[viewer])}, step {int(v.session_steps[viewer])}, "
        f"follows {int(v.n_follows[viewer])}" + ("  [done]" if v.done[viewer] else "")
    )
    lines = [head, " slot  room  category    audience  followed  past min  live for"]
    for slot, room in enumerate(world.room_ids[viewer]):
        if room < 0:
            lines.append(f"  {slot:>3}     -  (empty)")
            continue
        live_h = (t - float(r.stream_start(room, t))) / 60.0
        lines.append(
            f"  {slot:>3} {room:>5}  {_category(int(r.category[room])):<10} "
            f"{r.audience[room]:>9,.0f}  {'yes' if v.followed[viewer, room] else 'no':>8}  "
            f"{v.habit[viewer, room]:>8.0f}  {live_h:>6.1f} h"
        )
    if last is not None:
        response = (
            f"slot {last['slot']} (room {last['room']}, {_category(last['category'])}): "
            f"{CHOICES[last['choice']]}"
        )
        if last["click"]:
            response += f", watched {last['watch_minutes']:.1f} min"
            if last["gift"] > 0:
                response += f", gifted {last['gift']:.0f} coins"
            if last["follow"]:
                response += ", followed"
        if last["session_end"]:
            response += "; session over" + (", churned" if last["churn"] else "")
        lines.append("last: " + response)
    return "\n".join(lines)


def render_picture(
    world: World, last: dict[str, Any] | None, viewer: int = 0, row: int = 24, width: int = 320
) -> np.ndarray:
    """The candidates as a picture, ``(K * row + 40, width, 3)`` uint8.

    One band per slot: a square in the category's colour, a bar as long as the room's log
    audience, a yellow tick if followed, a blue bar for minutes watched before. The last shown
    slot is framed in green (clicked), grey (kept browsing) or red (closed the app). The top
    strip is the day: a white marker at the viewer's time of day, green for minutes watched this
    session (one pixel per minute, up to the width).
    """
    v = world.viewers
    assert v is not None
    k = world.config.k
    img = np.full((k * row + 40, width, 3), 255, dtype=np.uint8)
    strip = img[:16]
    strip[:] = (40, 40, 60)
    x = int(float(v.t[viewer]) % MINUTES_PER_DAY / MINUTES_PER_DAY * (width - 1))
    strip[:, max(0, x - 1) : x + 2] = 255
    watched = min(width, int(v.session_minutes_watched[viewer]))
    img[18:24, :watched] = (44, 160, 44)
    max_log = np.log(world.rooms.audience.max() / world.config.min_audience) + 1e-9
    for slot, room in enumerate(world.room_ids[viewer]):
        y = 40 + slot * row
        band = img[y + 2 : y + row - 2]
        if room < 0:
            band[:, :] = (235, 235, 235)
            continue
        band[:, 4:row] = CATEGORY_COLOURS[int(world.rooms.category[room]) % 8]
        length = int(np.log(world.rooms.audience[room] / world.config.min_audience) / max_log
                     * (width - row - 60))  # fmt: skip
        band[2:-2, row + 4 : row + 4 + max(length, 1)] = (90, 90, 90)
        if v.followed[viewer, room]:
            band[:, width - 50 : width - 44] = (230, 200, 0)
        habit = min(36, int(np.log1p(v.habit[viewer, room]) * 6))
        band[4:-4, width - 40 : width - 40 + habit] = (31, 119, 180)
    if last is not None:
        y = 40 + int(last["slot"]) * row
        colour = ((44, 160, 44), (150, 150, 150), (214, 39, 40))[int(last["choice"])]
        img[y : y + 2, :] = colour
        img[y + row - 2 : y + row, :] = colour
        img[y : y + row, :2] = colour
        img[y : y + row, -2:] = colour
    return img
