from cop.live.broadcast import PRESENCE_WRITES_PER_SECOND, presence_pause


def test_small_rooms_hear_presence_once_per_window():
    assert presence_pause(0.25, 0) == 0.25
    assert presence_pause(0.25, 20) == 0.25


def test_big_rooms_hear_presence_less_often_in_a_join_storm():
    # A thousand sockets on a process: one count every four seconds, not four a second.
    assert presence_pause(0.25, 1000) == 1000 / PRESENCE_WRITES_PER_SECOND == 4
    assert presence_pause(0.25, 2000) > presence_pause(0.25, 1000)
