//! The one table of built-in diagnostic codes. Codes are stable and never reused.
//!
//! `I` codes are about reading a file, `S` codes about the structure of a form as the
//! ingest found it. Rule packs bring their own codes (`F`, `C`, `K`, `V`, ...).

use super::Severity;

#[derive(Debug)]
pub struct Code {
    pub code: &'static str,
    /// Kebab-case name of the defect.
    pub name: &'static str,
    pub severity: Severity,
    /// One line, for `kpilint rules` and SARIF.
    pub summary: &'static str,
    /// The default help line.
    pub help: Option<&'static str>,
}

macro_rules! codes {
    ($( $ident:ident = $code:literal, $name:literal, $sev:ident, $summary:literal, $help:expr; )*) => {
        $( pub static $ident: Code = Code {
            code: $code, name: $name, severity: Severity::$sev, summary: $summary, help: $help,
        }; )*
        /// Every built-in code, in code order.
        pub static ALL: &[&Code] = &[$( &$ident ),*];
    };
}

codes! {
    UNREADABLE = "I001", "unreadable-file", Error,
        "文件无法读取",
        Some("检查路径与读取权限");
    BINARY = "I002", "binary-file", Error,
        "文件不是文本（含二进制内容）",
        Some("kpilint 读取制表符分隔的文本导出；表格文件请先导出为文本");
    UNDECODABLE = "I003", "unknown-encoding", Error,
        "文件编码无法识别（既非 UTF-8，也非 GB18030/GBK）",
        Some("请将文件另存为 UTF-8 或 GB18030 编码");
    EMPTY = "I004", "empty-file", Warning,
        "文件为空",
        Some("确认导出是否完整");
    NO_FORMS = "I005", "no-forms-found", Warning,
        "文件中未识别出绩效目标表",
        Some("绩效目标表以“……项目支出绩效目标表”或“……整体支出绩效目标申报表”标题行开始");
    INVALID_BYTES = "I006", "invalid-bytes", Warning,
        "文件中有无效字节",
        Some("无效字节已替换为 �；请检查导出工具，重新导出为 UTF-8");
    UNRECOGNISED_FORM = "S001", "unrecognised-form", Error,
        "有表头但无法识别表格内容",
        Some("检查标题行之后是否有“项目名称”等表头和“绩效指标”表格");
    FUNDS_NOT_A_NUMBER = "S002", "funds-not-a-number", Error,
        "资金单元格不是数字",
        Some("资金单元格应只填写金额数字，如 312,200");
    INDICATOR_WITHOUT_VALUE = "S003", "indicator-without-value", Error,
        "三级指标有名称但没有指标值",
        Some("为该三级指标填写指标值，或删除该行");
    VALUE_WITHOUT_NAME = "S004", "value-without-name", Error,
        "指标值没有对应的三级指标名称",
        Some("为该指标值补填三级指标名称");
    UNPLACED_CELLS = "S005", "unplaced-grid-cells", Warning,
        "指标行中有无法归入实施期或年度的单元格",
        Some("检查该行是否错位（单元格整体右移或重复打印）");
    UNKNOWN_LABEL = "S006", "unknown-indicator-label", Warning,
        "一级或二级指标名称不在模板中",
        Some("一级指标应为产出指标、效益指标、满意度指标（或成本指标），二级指标应与其一级指标对应");
    FUNDS_CONFLICT = "S007", "funds-cell-conflict", Warning,
        "同一资金来源出现两次且金额不同",
        Some("删除重复的资金行，只保留正确金额");
    REVERSED_UNIT = "V001", "reversed-unit", Error,
        "指标值单位颠倒（如 人/元）",
        Some("把金额放在前面：写作 N元/人，而不是 N人/元");
    SPREADSHEET_DAMAGE = "V002", "spreadsheet-damaged-number", Error,
        "数字被表格软件改成科学计数法",
        Some("把单元格设为文本格式后重新填写完整数字");
    UNRECOGNISED_VALUE = "V003", "unrecognised-value", Warning,
        "指标值含数字但无法识别",
        Some("写成“比较符号+数值+单位”，如 ≥90%、2000元/人/年、2025年12月底前");
}

/// Looks up a built-in code.
pub fn find(code: &str) -> Option<&'static Code> {
    ALL.iter()
        .copied()
        .find(|c| c.code.eq_ignore_ascii_case(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_sorted() {
        for pair in ALL.windows(2) {
            assert!(
                pair[0].code < pair[1].code,
                "{} then {}",
                pair[0].code,
                pair[1].code
            );
        }
        let mut names: Vec<_> = ALL.iter().map(|c| c.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
    }
}
