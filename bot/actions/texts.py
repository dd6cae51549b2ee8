"""Every sentence the bot's actions say, in Chinese and English. `{name}` fields are filled by `say`."""

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
    "store_unavailable": {
        "zh": "抱歉亲，订单系统暂时查不到信息 🙏 您可以稍后再试，或者回复“转人工”让人工客服帮您查。",
        "en": "Sorry, I can't reach our order system right now. Please try again shortly, or type \"human\" and a person will look it up.",
    },
    # --- holding messages, said just before a hand-over -------------------------------------
    "hold_upset": {
        "zh": "亲，特别理解您现在的心情，换作是我也会着急的！这件事我马上请人工客服来帮您处理，请稍等一下下，我们一定给您一个满意的答复。",
        "en": "I'm really sorry about this, and I completely understand how frustrating it is; I'd feel the same. "
        "I'm bringing in a member of our team to sort it out for you right now.",
    },
    "hold_high_risk": {
        "zh": "亲，这个情况很重要，我马上为您转接人工客服优先处理，请稍等。",
        "en": "This is important, so I'm passing you to a member of our team straight away, as a priority.",
    },
    "hold_failures": {
        "zh": "抱歉亲，一直没能帮到您 🙏 我请人工客服来为您解答，请稍等。",
        "en": "Sorry I haven't been able to help. I'm bringing in a person to answer you.",
    },
    # --- small talk when the knowledge base has nothing better --------------------------------
    "greet": {"zh": "亲，您好！我是智能客服，有什么可以帮您的吗？", "en": "Hi! I'm the shop's assistant. How can I help?"},
    "thanks": {"zh": "不客气亲，还有什么可以帮您的吗？", "en": "You're welcome! Anything else I can help with?"},
    "goodbye": {"zh": "好的亲，祝您生活愉快，再见～", "en": "Bye for now, have a great day!"},
    # --- praise and feedback (issue #18): thank, invite a review, offer more help ----------------
    "give_praise": {
        "zh": "谢谢亲的认可 ❤️ 您满意就是我们最大的动力！方便的话在订单里给个评价吧，对其他买家很有帮助～还有什么可以帮您的吗？",
        "en": "Thank you, that really made our day! If you have a moment, a review or rating on your order helps other "
        "shoppers a lot. Is there anything else I can help with?",
    },
    # --- orders ---------------------------------------------------------------------------------
    "login_needed": {
        "zh": "亲，我这边看不到您的账号信息，麻烦登录后再问我，我就能直接查您的订单啦；或者回复“转人工”。",
        "en": "I can't see your account from here. Please log in and ask again so I can look up your orders, or type \"human\".",
    },
    "no_orders": {"zh": "亲，您的账号下还没有订单哦。", "en": "There are no orders on your account yet."},
    "order_not_found": {
        "zh": "亲，您的账号下没有找到订单 {order_id}，请核对一下订单号，或者从下面选一个：",
        "en": "I couldn't find order {order_id} on your account. Please check the number, or pick one below:",
    },
    "which_order": {
        "zh": "亲，您有 {count} 个订单还没收货，想查哪一个呢？",
        "en": "You have {count} orders on their way. Which one shall I check?",
    },
    "order_paid": {
        "zh": "订单 {order_id}（{items}）已付款，正在仓库打包，还没有发出，发货后会短信通知您单号哦～",
        "en": "Order {order_id} ({items}) is paid and being packed; it hasn't shipped yet. You'll get the tracking number by SMS when it does.",
    },
    "order_shipped": {
        "zh": "订单 {order_id}（{items}）已由{carrier}发出，单号 {tracking_no}。\n最新物流（{when}）：{event}",
        "en": "Order {order_id} ({items}) has shipped with {carrier}, tracking number {tracking_no}.\nLatest update ({when}): {event}",
    },
    "order_shipped_no_events": {
        "zh": "订单 {order_id}（{items}）已发出，单号 {tracking_no}，快递公司的物流信息一般几小时内会更新。",
        "en": "Order {order_id} ({items}) has shipped, tracking number {tracking_no}; the carrier usually posts the first update within a few hours.",
    },
    "order_stuck": {
        "zh": "物流已经 {hours} 小时没有更新了，比正常慢了不少，真的抱歉让您久等！需要的话我可以请人工客服帮您联系快递催件。",
        "en": "The tracking hasn't moved for {hours} hours, which is much slower than normal. I'm sorry for the wait! If you like, a member of our team can chase the carrier for you.",
    },
    "order_delivered": {
        "zh": "订单 {order_id}（{items}）已于 {when} 签收：{event}\n如果没收到货或者有问题，随时告诉我～",
        "en": "Order {order_id} ({items}) was delivered on {when}: {event}\nIf it didn't reach you or something's wrong, just tell me.",
    },
    "order_closed": {
        "zh": "订单 {order_id}（{items}）{status}。",
        "en": "Order {order_id} ({items}) {status}.",
    },
    "status_refunded": {"zh": "已退款", "en": "has been refunded"},
    "status_cancelled": {"zh": "已取消", "en": "was cancelled"},
    "button_chase": {"zh": "转人工帮我催件", "en": "Ask a person to chase it"},
    "button_wait": {"zh": "好的，我再等等", "en": "OK, I'll wait"},
    "button_human": {"zh": "转人工", "en": "Talk to a person"},
    # --- refunds --------------------------------------------------------------------------------
    "no_returns": {
        "zh": "亲，您的账号下目前没有退货或退款记录哦。",
        "en": "There are no returns or refunds on your account at the moment.",
    },
    "return_line": {"zh": "• {return_id}（订单 {order_id}）：{status}", "en": "• {return_id} (order {order_id}): {status}"},
    "returns_header": {"zh": "亲，您的退换货进度：", "en": "Here is where your returns stand:"},
    "return_requested": {"zh": "已提交申请，等待寄回或上门取件", "en": "requested, waiting for the parcel to be sent back or picked up"},
    "return_in_transit": {"zh": "正在寄回仓库的路上，仓库签收后审核退款", "en": "on its way back to our warehouse; the refund is approved once it arrives"},
    "return_received": {"zh": "仓库已签收，正在审核退款", "en": "received by our warehouse, refund being approved"},
    "return_refunded": {"zh": "已退款 ¥{amount}，原路退回", "en": "refunded ¥{amount} to your original payment method"},
    "return_exchanged": {"zh": "换货已寄出", "en": "exchange shipped"},
    "return_closed": {"zh": "已关闭", "en": "closed"},
    # --- coupons --------------------------------------------------------------------------------
    "coupons_header": {
        "zh": "亲，您账户里有 {count} 张可以用的券：",
        "en": "You have {count} coupon(s) you can use:",
    },
    "coupon_line": {"zh": "• {title}（{until} 前有效）", "en": "• {title} (valid until {until})"},
    "coupons_footer": {"zh": "下单结算时选择即可使用～", "en": "Choose it at checkout to use it."},
    "no_coupons": {"zh": "亲，您的账户里暂时没有可用的优惠券。", "en": "There are no usable coupons on your account right now."},
    # --- returns and exchanges ------------------------------------------------------------------
    "return_which_order": {
        "zh": "亲，想退换哪个订单呢？",
        "en": "Which order would you like to return or exchange?",
    },
    "return_none_eligible": {
        "zh": "亲，您最近 {days} 天内签收的订单里没有可以自助退换的（可能已过无理由退换期，或还没签收）。如果是质量问题，我可以请人工客服为您处理。",
        "en": "None of your orders delivered in the last {days} days can be returned here (the no-reason window may have passed, or it hasn't arrived yet). If something is faulty, a person can help.",
    },
    "return_options": {
        "zh": "亲，{items}让您不满意真的抱歉！给您几个方案，看哪个最方便：\n{options}\n您选一个，我马上帮您办～",
        "en": "I'm sorry the {items} didn't work out! Here are a few options; pick whichever suits you best:\n{options}",
    },
    "option_refund": {
        "zh": "退货退款：{pickup}，仓库签收后 {refund_days} 个工作日原路退回 ¥{total}",
        "en": "Return for a refund: {pickup}; ¥{total} back to your original payment within {refund_days} business days of it reaching us",
    },
    "pickup_free": {"zh": "免费上门取件", "en": "free pickup from your door"},
    "pickup_self": {"zh": "自行寄回", "en": "send it back yourself"},
    "option_exchange": {
        "zh": "换货：换个尺码或颜色，寄回后 {hours} 小时内把新的包邮寄给您",
        "en": "Exchange for another size or colour: we ship the new one free within {hours} hours of receiving yours",
    },
    "option_keep": {
        "zh": "不退了：商品留下，送您一张 ¥{coupon} 补偿券",
        "en": "Keep it: we give you a ¥{coupon} coupon as partial compensation",
    },
    "button_refund": {"zh": "退货退款", "en": "Refund"},
    "button_exchange": {"zh": "换尺码/颜色", "en": "Exchange"},
    "button_keep": {"zh": "不退了，要补偿券", "en": "Keep it + coupon"},
    "return_created_refund": {
        "zh": "好的亲，已为您提交退货申请 {return_id}（订单 {order_id}）。{pickup_note}仓库签收后 {refund_days} 个工作日内原路退回 ¥{total}。",
        "en": "Done: return {return_id} for order {order_id} is requested. {pickup_note}¥{total} goes back to your original payment within {refund_days} business days of it reaching us.",
    },
    "pickup_note_free": {"zh": "快递员会联系您免费上门取件，", "en": "A courier will contact you to pick it up for free. "},
    "pickup_note_self": {"zh": "请按售后页面的地址寄回，", "en": "Please send it to the address on the after-sales page. "},
    "return_created_exchange": {
        "zh": "好的亲，已为您提交换货申请 {return_id}（订单 {order_id}）。寄回后仓库签收 {hours} 小时内把新的寄出，想换的尺码或颜色可以直接告诉我～",
        "en": "Done: exchange {return_id} for order {order_id} is requested. We'll ship the new one within {hours} hours of receiving yours; just tell me the size or colour you want.",
    },
    "return_created_keep": {
        "zh": "好的亲，已为您申请 ¥{coupon} 补偿券（申请号 {return_id}），审核通过后会发到您的账户，商品您留着就好～",
        "en": "Done: a ¥{coupon} coupon is requested for you (request {return_id}); it reaches your account once approved, and you keep the item.",
    },
    "return_refused": {
        "zh": "抱歉亲，这个订单暂时不能在线提交退换（{why}）。我可以请人工客服为您处理。",
        "en": "Sorry, I can't request that online ({why}). A person can take care of it for you.",
    },
    # --- reasons, for the agent's summary -------------------------------------------------------
    "reason_explicit_request": {"zh": "顾客要求人工", "en": "Shopper asked for a person"},
    "reason_low_confidence": {"zh": "机器人没听懂", "en": "Bot did not understand"},
    "reason_out_of_scope_repeated": {"zh": "多次超出服务范围", "en": "Repeatedly out of scope"},
    "reason_upset": {"zh": "顾客情绪激动", "en": "Shopper is upset"},
    "reason_repeated_failure": {"zh": "机器人多次没能解决", "en": "Bot failed repeatedly"},
    "reason_high_risk": {"zh": "高风险", "en": "High risk"},
    "summary_question": {"zh": "最近的问题：“{text}”", "en": "Latest question: \"{text}\""},
    "summary_order": {"zh": "订单 {order_id}", "en": "order {order_id}"},
    "summary_risk": {"zh": "风险类型：{kind}", "en": "risk: {kind}"},
    # --- #19: reading the need: recommendations and express -------------------------------------
    "recommend_none": {
        "zh": "这个需求暂时没有特别合适的款，回复“转人工”让客服帮您细挑~",
        "en": "Nothing in the shop fits that exactly right now; type \"human\" and a person will help you choose.",
    },
    "express_declined": {"zh": "好的亲~ 按正常时效发出，有需要随时叫我。", "en": "No problem — it ships as usual. Ask me any time."},
    "express_at_checkout": {
        "zh": "下单时配送方式选择「顺丰加急」，付款后我们优先打包，一般次日就能到~ 已经下单的话回复“转人工”，客服帮您改加急。",
        "en": "Choose \"SF Express priority\" at checkout and we'll pack it first; it usually arrives the next day. "
        "If you've already ordered, type \"human\" and a person will upgrade it.",
    },
    "express_done": {
        "zh": "已为订单 {order_id} 升级顺丰加急，一般次日送达，赶得上的~",
        "en": "Done: order {order_id} is upgraded to express and should arrive the next day.",
    },
}


def say(key: str, lang: str, **fields: object) -> str:
    """The text `key` in `lang` (Chinese when there is no English), with `fields` filled in."""
    texts = TEXTS[key]
    text = texts.get(lang) or texts["zh"]
    return text.format(**fields) if fields else text
