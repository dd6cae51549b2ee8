"""Every sentence the bot's actions say, in Chinese and English."""

TEXTS: dict[str, dict[str, str]] = {
    "no_answer": {
        "zh": "抱歉亲，这个问题我还不太确定 😅 您可以换个说法，或者回复“转人工”由人工客服为您解答。",
        "en": "Sorry, I'm not sure about that one. Could you rephrase it, or type \"human\" to talk to a person?",
    },
    "escalation_failed": {
        "zh": "非常抱歉，人工客服暂时无法接入（系统繁忙）。请稍后再试，或留言您的问题，我们会尽快回复您。",
        "en": "Sorry, I couldn't reach a person just now (the system is busy). Please try again shortly or "
        "leave your question and we'll get back to you.",
    },
    "kb_unavailable": {
        "zh": "抱歉亲，知识库暂时无法查询，回复“转人工”可以由人工客服为您解答。",
        "en": "Sorry, I can't look that up right now. Type \"human\" to talk to a person.",
    },
}


def say(key: str, lang: str) -> str:
    texts = TEXTS[key]
    return texts.get(lang, texts["zh"])
