"""The consensus vote: alignment, confidence, lexicon and numbering priors, flags."""

from __future__ import annotations

import pytest

from ocrpipe.recognition._consensus import GAP, Reading, align, lexicon, remap_spans, vote


def R(reader: str, text: str, conf: float | list[float] = 0.95, weight: float = 1.0, choices=()) -> Reading:
    confs = tuple(conf) if isinstance(conf, list) else tuple([conf] * len(text))
    return Reading(reader, text, confs, choices or tuple(() for _ in text), weight)


def columns(readings):
    return ["".join(c.char or "_" for c in col) for col in align(readings)]


def test_alignment_puts_equal_characters_in_one_column():
    assert columns([R("a", "加强保护"), R("b", "加强保护")]) == ["加加", "强强", "保保", "护护"]


def test_alignment_with_a_deletion_leaves_a_gap_in_that_reader():
    cols = columns([R("a", "一、总则"), R("b", "、总则")])
    assert cols == ["一_", "、、", "总总", "则则"]


def test_alignment_with_an_insertion_adds_a_column_gapped_for_the_others():
    cols = columns([R("a", "保护"), R("b", "保O护"), R("c", "保护")])
    assert cols == ["保保保", "_O_", "护护护"]


def test_alignment_with_a_substitution_keeps_one_column():
    assert columns([R("a", "不予保护"), R("b", "不子保护")]) == ["不不", "予子", "保保", "护护"]


def test_vote_majority_and_insertion_dropped():
    v = vote([R("v6", "保护"), R("v4", "保O护", 0.6), R("t", "保护")])
    assert v.text == "保护"


def test_disagreement_resolved_by_confidence():
    # two readers, one character each way: the surer reader wins
    sure = vote([R("v6", "不予保护", [0.99, 0.98, 0.99, 0.99]), R("t", "不子保护", [0.99, 0.40, 0.99, 0.99])])
    assert sure.text == "不予保护"
    other = vote([R("v6", "不予保护", [0.99, 0.40, 0.99, 0.99]), R("t", "不子保护", [0.99, 0.98, 0.99, 0.99])])
    assert other.text == "不子保护"


@pytest.mark.skipif(not lexicon(), reason="jieba is not installed")
def test_close_call_resolved_by_the_lexicon():
    # 惩戒 is a word, 迁戒 is not: with equal confidence the lexicon decides, whichever reader comes first
    assert "惩戒" in lexicon() and "迁戒" not in lexicon()
    a = vote([R("t", "加大惩戒力度", 0.8), R("v6", "加大迁戒力度", 0.8)])
    b = vote([R("v6", "加大迁戒力度", 0.8), R("t", "加大惩戒力度", 0.8)])
    assert a.text == b.text == "加大惩戒力度"
    # a clear winner is not overturned by the lexicon
    c = vote(
        [R("v6", "加大迁戒力度", [0.99, 0.99, 0.99, 0.99, 0.99, 0.99]), R("t", "加大惩戒力度", [0.9, 0.9, 0.2, 0.9, 0.9, 0.9])]
    )
    assert c.text == "加大迁戒力度"


def test_numeral_dropped_by_one_reader_is_kept():
    v = vote([R("v6", "二、保障企业", 0.9), R("v4", "、保障企业", 0.99, weight=1.5)])
    assert v.text == "二、保障企业"


def test_agreement_is_not_flagged_and_disagreement_is():
    same = vote([R("a", "加强保护"), R("b", "加强保护")])
    assert same.flags == () and same.text == "加强保护"
    split = vote([R("a", "不予保护", 0.7), R("b", "不子保护", 0.7)])
    assert [(s, e) for s, e, _c in split.flags] == [(1, 2)]
    assert 0 < split.flags[0][2] < 1


def test_a_gap_that_wins_flags_its_neighbour():
    v = vote([R("a", "维权成本。对于", 0.6), R("b", "维权成本对于", 0.6)])
    assert v.flags, v


def test_sure_majority_is_not_flagged():
    v = vote([R("a", "不予保护", 0.99), R("b", "不予保护", 0.99), R("c", "不子保护", 0.3)])
    assert v.text == "不予保护" and v.flags == ()


def test_runner_up_choice_counts():
    # reader b read 予 second-best with high probability: its vote still leans to 予
    choices = ((), (("予", 0.45),), (), ())
    v = vote([R("a", "不予保护", [0.9, 0.6, 0.9, 0.9]), R("b", "不子保护", [0.9, 0.5, 0.9, 0.9], choices=choices)])
    assert v.text == "不予保护"


def test_empty_readings():
    assert vote([]).text == ""
    assert vote([R("a", ""), R("b", "")]).text == ""
    assert GAP == ""


def test_spans_follow_normalisation():
    assert remap_spans("程序 ,好", "程序，好", [(3, 4, 0.5)]) == [(2, 3, 0.5)]
    assert remap_spans("abc", "abc", [(0, 1, 0.1)]) == [(0, 1, 0.1)]


def test_a_character_the_lead_reader_was_unsure_of_is_flagged_even_when_the_others_agree():
    from ocrpipe.recognition import _consensus

    readers = [
        R("ppocrv6", "不予保护", [0.99, 0.3, 0.99, 0.99]),
        R("ppocrv4", "不予保护", 0.95, weight=0.55),
        R("tesseract", "不予保护", 0.9, weight=0.45),
    ]
    v = vote(readers)
    assert v.text == "不予保护"
    assert [(s, e) for s, e, _c in v.flags] == [(1, 2)]
    assert _consensus.FLAG_LEAD_BELOW > 0.3
    sure = vote([R("ppocrv6", "不予保护", 0.99), R("ppocrv4", "不予保护", 0.95, weight=0.55)])
    assert sure.flags == ()


def test_a_disagreement_the_lead_reader_won_but_was_unsure_of_is_flagged():
    from ocrpipe.recognition import _consensus

    # PP-OCRv6 outvotes the others (more than half the votes), but gave 红 only 0.6
    unsure = [
        R("ppocrv6", "掉红悟励", [0.99, 0.6, 0.99, 0.99]),
        R("ppocrv4", "掉江悟励", [0.99, 0.4, 0.99, 0.99], weight=0.55),
        R("tesseract", "掉红悟励", 0.9, weight=0.45),
    ]
    v = vote(unsure)
    assert v.text == "掉红悟励"
    assert [(s, e) for s, e, _c in v.flags] == [(1, 2)]
    assert _consensus.FLAG_SPLIT_BELOW > 0.6
    # the same split with a sure lead reader is no review target
    sure = vote([R("ppocrv6", "掉红悟励", 0.97), *unsure[1:]])
    assert sure.text == "掉红悟励" and sure.flags == ()
