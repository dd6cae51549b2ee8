import pytest

from handoff_service.lifecycle import ALLOWED, IllegalTransition, State, bot_owns, transition


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
