"""What proactive service says to a shopper after a choice, in Chinese and English."""

TEXTS: dict[str, dict[str, str]] = {
    "coupon": {
        "zh": "好的，已为您发放「{title}」（券码 {code}），{until} 前有效。包裹的进展我们会继续盯着，有消息第一时间告诉您~",
        "en": "Done: {title} (code {code}) is in your account until {until}. We'll keep watching your parcel and tell you as soon as it moves.",
    },
    "reship": {
        "zh": "好的，已为订单 {order_id} 安排补发（处理单号 {remedy_id}），新包裹发出后会把运单号发给您。原包裹如果到了，您直接拒收即可。",
        "en": "Done: we're sending order {order_id} again (reference {remedy_id}); you'll get the new tracking number when it ships. If the first parcel turns up, just refuse it.",
    },
    "refund": {
        "zh": "好的，订单 {order_id} 的退款 ¥{amount} 已提交（处理单号 {remedy_id}），1–3 个工作日原路退回。",
        "en": "Done: the refund of ¥{amount} for order {order_id} is on its way (reference {remedy_id}); it reaches your payment method within 1–3 working days.",
    },
    "remedy": {
        "zh": "好的，已为订单 {order_id} 办理（处理单号 {remedy_id}）。",
        "en": "Done for order {order_id} (reference {remedy_id}).",
    },
    "express_upgrade": {
        "zh": "好的，订单 {order_id} 已升级为加急配送（处理单号 {remedy_id}），费用由我们承担。",
        "en": "Done: order {order_id} is upgraded to express (reference {remedy_id}), at our cost.",
    },
    "acknowledge": {
        "zh": "好的~ 有任何问题随时在这里问我。",
        "en": "Great. Ask me here any time.",
    },
    "already": {
        "zh": "这条提醒您已经选过了（{choice}），无需重复操作~",
        "en": "You already chose for this update ({choice}); nothing more to do.",
    },
    "unavailable": {
        "zh": "抱歉，这个选项已经失效了。需要帮忙请直接告诉我，或输入“转人工”。",
        "en": "Sorry, that option is no longer available. Tell me what you need, or type \"human\" for a person.",
    },
    "failed": {
        "zh": "抱歉，暂时没能办好（{reason}）。请输入“转人工”，同事会马上为您处理。",
        "en": "Sorry, we couldn't do that right now ({reason}). Type \"human\" and a colleague will sort it out.",
    },
}


def say(key: str, lang: str, **values: object) -> str:
    texts = TEXTS[key]
    return (texts["en"] if lang == "en" else texts["zh"]).format(**values)
