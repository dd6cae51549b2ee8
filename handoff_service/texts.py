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
    "transferred": {
        "zh": "正在为您转接更合适的同事，请稍候~",
        "en": "I'm passing you to a colleague who can help best. One moment please.",
    },
    "back_to_bot": {
        "zh": "人工客服已结束本次服务，智能客服继续为您服务，有问题随时问我哦~",
        "en": "The agent has handed you back to the assistant. Ask me anything.",
    },
    "bot_unavailable": {
        "zh": "抱歉亲，智能客服暂时无法回复，已为您转接人工客服，请稍候~",
        "en": "Sorry, the assistant can't answer right now. I'm connecting you to a person.",
    },
    "callback_offer": {
        "zh": "抱歉亲，人工客服暂时都在忙。请留下您的手机号或邮箱，我们会在 {hours} 小时内联系您，问题不会被遗漏~",
        "en": "Sorry, all our agents are busy right now. Leave your phone number or email and we will "
        "get back to you within {hours} hours.",
    },
    "callback_confirmed": {
        "zh": "已记录您的联系方式 {contact}，客服会在 {due} 前联系您，请留意~",
        "en": "Thanks, we saved {contact}. An agent will contact you by {due}.",
    },
    "abandoned": {
        "zh": "您已离开会话。如需帮助，随时重新发起咨询~",
        "en": "You left the chat. Start a new one any time you need help.",
    },
    "closed": {
        "zh": "本次服务已结束，感谢您的耐心~",
        "en": "This chat has ended. Thank you for your patience.",
    },
    "csat_request": {
        "zh": "请为本次服务打个分吧（1–5 星），您的评价会帮助我们做得更好~",
        "en": "How did we do? Please rate this chat from 1 to 5 stars.",
    },
}


def say(key: str, lang: str, **values: object) -> str:
    texts = TEXTS[key]
    return texts.get(lang, texts["zh"]).format(**values)
