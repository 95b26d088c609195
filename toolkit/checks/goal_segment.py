"""Chinese word segmentation for the goal checks: one private jieba tokenizer, quiet and with a writable cache.

jieba (PyPI, MIT, ships its dictionary, works offline) cuts a goal sentence into words with a part of speech.
The goal checks use it to tell the measured noun phrase from the verbs around it ("加强品牌建设": 加强 is a verb,
品牌建设 an activity, not a quantity) and to compare a goal with the catalogue's indicators.

The tokenizer is built lazily on first use, with jieba's log silenced (no "Building prefix dict" on stderr) and
its prefix-dictionary cache in ``$XDG_CACHE_HOME/appraisal-toolkit`` (else ``~/.cache/appraisal-toolkit``, else
the system temp folder); when none of these can be written, jieba works without a cache. The goal vocabulary
(the verbs of goal sentences and the catalogue's metric nouns) is added to this private tokenizer only, never to
jieba's global one.
"""
from __future__ import annotations

import logging
import os
import tempfile
import threading
import warnings
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["GOAL_VERBS", "VAGUE_ADVERBS", "cache_dir", "pos_words", "remember_segments", "segments_seen", "words"]

#: verbs that state a direction or an action in a goal sentence (tagged as verbs for the segmenter)
GOAL_VERBS = ("提升", "提高", "增加", "增长", "增强", "加强", "降低", "下降", "减少", "缩短", "压缩", "控制", "优化",
              "完善", "改善", "改进", "扩大", "推进", "推动", "做好", "抓好", "落实", "确保", "保障", "争取", "力争",
              "实现", "完成", "达到", "保持", "维持", "打造", "建设", "塑造", "深化", "拓展", "巩固", "强化",
              "配合", "支持", "协助", "维护", "加大", "加快", "提速", "树立", "营造", "开展", "推广", "宣传")
#: adverbs and adjectives of degree that pin nothing down
VAGUE_ADVERBS = ("积极", "努力", "尽快", "尽量", "显著", "大幅", "明显", "进一步", "全面", "持续", "不断",
                 "适当", "稳步", "大力", "切实", "较大", "更好", "充分", "高质量")

_lock = threading.Lock()
#: every text segmented in this process, with its words: a build segments the goals once and hands this to its
#: notebooks (:mod:`toolkit.notebooks.prepared`), which then need not load jieba's dictionaries (2 s) again
_SEEN: dict[str, tuple[tuple[str, str], ...]] = {}


def cache_dir() -> str | None:
    """The folder jieba writes its prefix-dictionary cache to, or ``None`` when no candidate is writable.

    Examples
    --------
    >>> d = cache_dir()
    >>> d is None or os.access(d, os.W_OK)
    True
    """
    candidates = []
    if os.environ.get("XDG_CACHE_HOME"):
        candidates.append(Path(os.environ["XDG_CACHE_HOME"]) / "appraisal-toolkit")
    candidates += [Path.home() / ".cache" / "appraisal-toolkit", Path(tempfile.gettempdir())]
    for c in candidates:
        try:
            c.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(c, os.W_OK | os.X_OK):
            return str(c)
    return None


@cache
def _tokenizer() -> Any:
    with warnings.catch_warnings():  # jieba 0.42 has invalid escapes that warn when its source is compiled
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", SyntaxWarning)
        import jieba
        import jieba.posseg

    where = cache_dir()
    # "Building prefix dict …" is logged at DEBUG; a failed cache dump would be logged at ERROR
    jieba.setLogLevel(logging.ERROR if where else logging.CRITICAL)
    base = jieba.Tokenizer()
    base.tmp_dir = where
    pos = jieba.posseg.POSTokenizer(base)
    with _lock:
        base.initialize()
        for w in GOAL_VERBS:
            pos.add_word(w, 20000, "v")
        for w in VAGUE_ADVERBS:
            pos.add_word(w, 20000, "d")
        for w in ("满意度", "认知度", "知名度", "美誉度", "忠诚度", "活跃度", "契合度", "转化率", "到场率", "复购率",
                  "留存率", "点击率", "占有率", "线索数", "订单数", "会员数", "粉丝数", "曝光量", "声量", "获客成本",
                  "线索成本", "客单价", "销售额", "回款率", "小程序", "公众号", "私域", "客户关系", "品牌形象",
                  "品牌建设", "品牌影响力", "市场推广", "百分点"):
            pos.add_word(w, 20000, "n")
    return pos


def pos_words(text: str) -> list[tuple[str, str]]:
    """The words of ``text`` with their part of speech (jieba's tags: n noun, v verb, d adverb, m numeral …).

    Examples
    --------
    >>> pos_words("加强品牌建设")
    [('加强', 'v'), ('品牌建设', 'n')]
    """
    found = _SEEN.get(text)
    if found is None:
        found = _SEEN[text] = tuple((p.word, p.flag) for p in _tokenizer().cut(text))
    return list(found)


def segments_seen() -> dict[str, tuple[tuple[str, str], ...]]:
    """Every text :func:`pos_words` has segmented in this process, with its words (a copy).

    Examples
    --------
    >>> _ = pos_words("降低获客成本")
    >>> segments_seen()["降低获客成本"]
    (('降低', 'v'), ('获客成本', 'n'))
    """
    return dict(_SEEN)


def remember_segments(seen: dict[str, tuple[tuple[str, str], ...]]) -> None:
    """Take texts segmented elsewhere (by the same tokenizer: same jieba, same vocabulary) as already done.

    Examples
    --------
    >>> remember_segments({"提升品牌形象": (("提升", "v"), ("品牌形象", "n"))})
    >>> words("提升品牌形象")
    ['提升', '品牌形象']
    """
    _SEEN.update({str(k): tuple((str(w), str(f)) for w, f in v) for k, v in seen.items()})


def words(text: str) -> list[str]:
    """The words of ``text`` (segmentation only).

    Examples
    --------
    >>> words("提升品牌形象")
    ['提升', '品牌形象']
    """
    return [w for w, _ in pos_words(text)]
