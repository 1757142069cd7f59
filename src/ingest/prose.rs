//! Figures quoted in the prose of a disclosure (第三部分 情况说明): `一般公共预算拨款收入
//! 46,124.51万元，占81.31%`. Only amounts in 万元 count; the words before an amount, back to
//! the last punctuation, are its label.

use super::cells::{squeeze, Line};
use crate::model::{Cell, ProseFigure, Span};
use regex::Regex;
use rust_decimal::Decimal;
use std::str::FromStr;
use std::sync::OnceLock;

fn figure_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"([0-9][0-9,]*(?:\.[0-9]+)?)\s*万元(?:\s*[，,]?\s*(占|增长|下降|增加|减少)\s*([0-9]+(?:\.[0-9]+)?)\s*[%％])?",
        )
        .expect("valid regex")
    })
}

fn section_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^[#\s]*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[)）])")
            .expect("valid regex")
    })
}

const PUNCT: &[char] = &['，', ',', '。', '；', ';', '：', ':', '、', ' ', '\t'];

/// Words that introduce a figure rather than name it.
const LEADS: &[&str] = &["主要包括", "其中", "包括", "主要用于", "分别为"];

pub fn read<'a>(lines: impl Iterator<Item = &'a Line<'a>>) -> Vec<ProseFigure> {
    let mut out = Vec::new();
    let mut section = String::new();
    for line in lines {
        for cell in line.non_empty() {
            let text = cell.text;
            if section_re().is_match(text) && text.chars().count() <= 40 {
                section = squeeze(text.trim_start_matches(['#', ' ']));
                continue;
            }
            read_cell(text, cell.span.start(), &section, &mut out);
        }
    }
    out
}

fn read_cell(text: &str, base: usize, section: &str, out: &mut Vec<ProseFigure>) {
    // Sentences end at 。; the first amount of a sentence is what its shares are of.
    let mut sentence_start = 0;
    for sentence in text.split_inclusive('。') {
        let mut first: Option<usize> = None;
        for c in figure_re().captures_iter(sentence) {
            let m = c.get(1).expect("group 1");
            let Ok(amount) = Decimal::from_str(&m.as_str().replace(',', "")) else {
                continue;
            };
            let before = sentence[..m.start()].trim_end();
            let label_start = before.rfind(PUNCT).map_or(0, |i| {
                i + before[i..].chars().next().map_or(1, char::len_utf8)
            });
            let mut label = squeeze(&before[label_start..]);
            for lead in LEADS {
                if let Some(rest) = label.strip_prefix(lead) {
                    label = rest.to_owned();
                }
            }
            let at = |g: regex::Match<'_>| {
                Span::new(
                    base + sentence_start + g.start(),
                    base + sentence_start + g.end(),
                )
            };
            let direction = ["增加", "减少"]
                .into_iter()
                .find(|d| label.ends_with(d))
                .map(|d| if d == "增加" { "增加" } else { "减少" });
            let share = match (c.get(2), c.get(3)) {
                (Some(word), Some(p)) => {
                    let is_share = word.as_str() == "占";
                    // 占 goes with an amount; 增长/下降 with a change.
                    if is_share != direction.is_none() {
                        None
                    } else {
                        Decimal::from_str(p.as_str())
                            .ok()
                            .map(|d| Cell::new(d, at(p)))
                    }
                }
                _ => None,
            };
            let index = out.len();
            out.push(ProseFigure {
                label,
                amount: Cell::new(amount, at(m)),
                share,
                base: first,
                direction,
                section: section.to_owned(),
            });
            first.get_or_insert(index);
        }
        sentence_start += sentence.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::cells;

    fn figures(text: &str) -> Vec<ProseFigure> {
        let lines = cells::lines(text);
        read(lines.views().iter())
    }

    #[test]
    fn amounts_labels_and_shares() {
        let text = "二、收入预算情况说明\n2025年度阳泉市教育局预算收入56,728.82万元，主要包括一般公共预算拨款收入46,124.51万元，占81.31%；上年结转2,432.16万元，占4.29%。";
        let f = figures(text);
        assert_eq!(f.len(), 3);
        assert_eq!(f[0].label, "2025年度阳泉市教育局预算收入");
        assert_eq!(
            f[0].amount.value,
            Some(Decimal::from_str("56728.82").unwrap())
        );
        assert_eq!(f[0].base, None);
        assert_eq!(f[1].label, "一般公共预算拨款收入");
        assert_eq!(f[1].base, Some(0));
        assert_eq!(
            f[1].share.as_ref().unwrap().value,
            Some(Decimal::from_str("81.31").unwrap())
        );
        assert_eq!(f[2].label, "上年结转");
        assert_eq!(f[2].section, "二、收入预算情况说明");
        assert_eq!(&text[f[1].amount.span.range()], "46,124.51");
        let share = f[1].share.as_ref().unwrap().span;
        assert_eq!(&text[share.range()], "81.31");
    }

    #[test]
    fn changes_carry_their_percentage() {
        let f = figures(
            "当年支出46,124.51万元，比上年减少 1725.30万元，下降3.61%。其中:因公出国(境)费0万元",
        );
        assert_eq!(f[1].label, "比上年减少");
        assert_eq!(f[2].label, "因公出国(境)费");
        assert_eq!(f[1].direction, Some("减少"));
        assert_eq!(f[1].base, Some(0));
        assert_eq!(
            f[1].share.as_ref().unwrap().value,
            Some(Decimal::from_str("3.61").unwrap())
        );
        assert_eq!(f[0].share, None);
    }

    #[test]
    fn a_new_sentence_has_a_new_base() {
        let f = figures("支出56728.82万元。其中：基本支出38050.58万元，占67.07%。");
        assert_eq!(f[1].base, None);
        assert_eq!(f[1].label, "基本支出");
    }
}
