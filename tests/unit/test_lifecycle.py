import pytest

from handoff_service.core.states import ALLOWED, IllegalTransition, State, bot_owns, transition


def test_the_documented_path_bot_queued_agent_bot_is_allowed():
    state = State.BOT
    for target in (State.QUEUED, State.AGENT, State.BOT):
        state = transition(state, target)
    assert state is State.BOT


@pytest.mark.parametrize("current", list(State))
@pytest.mark.parametrize("target", list(State))
def test_every_transition_not_in_the_table_is_refused(current: State, target: State):
    if target in ALLOWED[current]:
        assert transition(current, target) is target
    else:
        with pytest.raises(IllegalTransition, match=f"'{current}' cannot move to '{target}'"):
            transition(current, target)


def test_closed_and_abandoned_chats_are_final():
    assert not ALLOWED[State.CLOSED] and not ALLOWED[State.ABANDONED]


def test_only_the_bot_state_lets_messages_reach_rasa():
    assert [s for s in State if bot_owns(s)] == [State.BOT]


from hypothesis import given
from hypothesis import strategies as st


@given(st.lists(st.sampled_from(list(State)), max_size=30))
def test_any_sequence_of_requests_keeps_one_owner_and_never_skips_the_queue(targets: list[State]):
    state, path = State.BOT, [State.BOT]
    for target in targets:
        try:
            state = transition(state, target)
        except IllegalTransition:
            continue
        path.append(state)
    for before, after in zip(path, path[1:]):
        assert after in ALLOWED[before]
        assert not (before is State.BOT and after is State.AGENT), "a person takes a chat only from the queue"
    if State.CLOSED in path or State.ABANDONED in path:
        assert path[-1] in (State.CLOSED, State.ABANDONED) and path[-1] == path[-1]
        end = min(i for i, s in enumerate(path) if s in (State.CLOSED, State.ABANDONED))
        assert path[end:] == [path[end]], "an ended chat never comes back"
