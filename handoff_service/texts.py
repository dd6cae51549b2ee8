"""Every sentence the handoff service itself says to a shopper, in Chinese and English."""

TEXTS: dict[str, dict[str, str]] = {
    "queued": {
        "zh": "正在为您转接人工客服，请稍候，您前面还有 {position} 位~",
        "en": "Connecting you to a person. You are number {position} in the queue.",
    },
    "agent_joined": {
        "zh": "人工客服 {agent} 为您服务~",
        "en": "{agent} has joined the chat.",
    },
    "back_to_bot": {
        "zh": "人工客服已结束本次服务，智能客服继续为您服务，有问题随时问我哦~",
        "en": "The agent has handed you back to the assistant. Ask me anything.",
    },
    "bot_unavailable": {
        "zh": "抱歉亲，智能客服暂时无法回复，已为您转接人工客服，请稍候~",
        "en": "Sorry, the assistant can't answer right now. I'm connecting you to a person.",
    },
}


def say(key: str, lang: str, **values: object) -> str:
    texts = TEXTS[key]
    return texts.get(lang, texts["zh"]).format(**values)
