"""Every sentence the handoff service itself says to a shopper, in Chinese and English."""

TEXTS: dict[str, dict[str, str]] = {
    "queued": {
        "zh": "正在为您转接人工客服，请稍候，您目前排在第 {position} 位~",
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
    "coupon_issued": {
        "zh": "亲，已为您发放一张「{title}」（券码 {code}），{until} 前有效，下单时自动抵扣~",
        "en": "I've added a coupon to your account: {title} (code {code}), valid until {until}. It applies at checkout.",
    },
    "return_started_refund": {
        "zh": "已为订单 {order_id} 提交退货退款（售后单号 {return_id}）。请按以下步骤操作：\n"
        "1. 保持吊牌完好，商品放回原包装；\n2. 寄回：{address}；\n3. 包裹内附纸条写上订单号和手机号；\n"
        "4. 寄出后在售后页面填写快递单号。仓库签收后 24 小时内审核，退款 1–3 个工作日原路到账。",
        "en": "I've started a return for order {order_id} (return {return_id}). Steps:\n"
        "1. Keep the tags on and pack the item in its original packaging;\n2. Send it to: {address};\n"
        "3. Put a note with your order number and phone number inside;\n4. Enter the tracking number on the "
        "after-sales page. The refund goes back to your payment method 1–3 business days after we receive it.",
    },
    "return_started_exchange": {
        "zh": "已为订单 {order_id} 提交换货（售后单号 {return_id}）。请按以下步骤操作：\n"
        "1. 保持吊牌完好；\n2. 寄回：{address}；\n3. 包裹内附纸条写上订单号、手机号和想换的尺码/颜色；\n"
        "4. 寄出后在售后页面填写快递单号。仓库签收后 48 小时内发出新商品。",
        "en": "I've started an exchange for order {order_id} (return {return_id}). Steps:\n"
        "1. Keep the tags on;\n2. Send it to: {address};\n3. Put a note inside with your order number, phone "
        "number and the size/colour you want;\n4. Enter the tracking number on the after-sales page. We ship "
        "the replacement within 48 hours of receiving it.",
    },
    "order_paid": {"zh": "已付款，待发货", "en": "paid, waiting to ship"},
    "order_shipped": {"zh": "已发货", "en": "shipped"},
    "order_delivered": {"zh": "已签收", "en": "delivered"},
    "order_refunded": {"zh": "已退款", "en": "refunded"},
    "order_cancelled": {"zh": "已取消", "en": "cancelled"},
    "identity_guest": {
        "zh": "未能确认您的登录身份，本次以访客身份为您服务；查询订单请登录后再问我~",
        "en": "We couldn't confirm your sign-in, so this is a guest chat. Log in to ask about your orders.",
    },
    # Service insight (issue #17): surveys after a hand-back, at the end of a bot-only chat, and NPS.
    "csat_request_handback": {
        "zh": "人工客服刚才的服务您满意吗？请打个分吧（1–5 星）~",
        "en": "How did the agent do? Please rate their help from 1 to 5 stars.",
    },
    "csat_request_bot_end": {
        "zh": "智能客服帮到您了吗？请为本次咨询打个分吧（1–5 星）~",
        "en": "Did the assistant help? Please rate this chat from 1 to 5 stars.",
    },
    "nps_request": {
        "zh": "您有多大可能把我们的店推荐给朋友？（0 = 完全不可能，10 = 非常可能）",
        "en": "How likely are you to recommend our store to a friend? (0 = not at all, 10 = extremely likely)",
    },
    "ended_by_shopper": {
        "zh": "您已结束本次咨询，感谢光临~",
        "en": "You ended the chat. Thanks for stopping by.",
    },
    # #19: remedies beyond coupons, as the shopper reads them
    "remedy_reship": {
        "zh": "已为订单 {order_id} 安排补发，新包裹发出后会通知您物流单号~",
        "en": "I've arranged a replacement for order {order_id}; you'll get the tracking number once it ships.",
    },
    "remedy_refund": {
        "zh": "已为订单 {order_id} 退款 ¥{amount}，1–3 个工作日原路到账~",
        "en": "I've refunded ¥{amount} for order {order_id}; it reaches your payment method in 1–3 business days.",
    },
    "remedy_return_shipping_waiver": {
        "zh": "订单 {order_id} 的退货运费由我们承担，寄回时无需您付运费~",
        "en": "We'll pay the return shipping for order {order_id}; you don't pay anything to send it back.",
    },
    "remedy_express_upgrade": {
        "zh": "已将订单 {order_id} 升级为顺丰加急，会更快送到您手上~",
        "en": "I've upgraded order {order_id} to express delivery.",
    },
    "remedy_gift": {
        "zh": "已为订单 {order_id} 加赠一份小礼物，随包裹一起送到~",
        "en": "I've added a small gift to order {order_id}; it comes with your parcel.",
    },
    "photo_from_agent": {"zh": "[图片]", "en": "[photo]"},
    "photo_to_bot": {
        "zh": "收到您的图片啦~ 图片需要人工客服帮您看，点下面的按钮马上转接，图片会一起给到客服哦。",
        "en": "Got your photo! A person needs to look at it: tap below and it goes to them with the chat.",
    },
    "photo_to_bot_button": {"zh": "转人工看图片", "en": "Show it to a person"},
    "promise_made": {
        "zh": "亲，这个问题我去核实一下，{due} 前一定给您答复，请放心~",
        "en": "I'll look into this and get back to you by {due}. You have my word.",
    },
}


def say(key: str, lang: str, **values: object) -> str:
    texts = TEXTS[key]
    return texts.get(lang, texts["zh"]).format(**values)
