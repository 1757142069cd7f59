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
    /// The code, name and help as every finding of the code holds them, made once for the run:
    /// a file with a finding on every row made three blocks a finding for them.
    shared: std::sync::OnceLock<CodeText>,
}

/// What findings of one built-in code share.
#[derive(Debug)]
pub(super) struct CodeText {
    pub code: super::CodeName,
    pub origin: std::sync::Arc<super::Origin>,
}

impl Code {
    pub(super) fn shared(&self) -> &CodeText {
        self.shared.get_or_init(|| CodeText {
            code: self.code.into(),
            origin: std::sync::Arc::new(super::Origin {
                name: self.name.into(),
                pack: None,
                help: self.help.map(Into::into),
            }),
        })
    }
}

macro_rules! codes {
    ($( $ident:ident = $code:literal, $name:literal, $sev:ident, $summary:literal, $help:expr; )*) => {
        $( pub static $ident: Code = Code {
            code: $code, name: $name, severity: Severity::$sev, summary: $summary, help: $help,
            shared: std::sync::OnceLock::new(),
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
        Some("kpilint 读取文本导出、xlsx/xls/ods、CSV 与 YAML/JSON 表单；其他格式请先转换");
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
    SPREADSHEET_UNREADABLE = "I007", "unreadable-spreadsheet", Error,
        "表格文件（xlsx/xls/ods）无法读取",
        Some("文件可能损坏、加密或过大；用表格软件打开后另存一份再检查");
    SHEET_TRUNCATED = "I008", "sheet-truncated", Warning,
        "工作表过大，只读取了开头部分",
        Some("绩效目标表不会有这么多行或单元格；检查是否有误填的远端单元格，删除后另存");
    STRUCTURED_INVALID = "I009", "invalid-structured-form", Error,
        "YAML/JSON 表单无法读取",
        Some("按 docs/forms.md 检查表单的结构与字段名");
    TOO_LARGE = "I010", "file-too-large", Error,
        "文件过大，未读取",
        Some("一份绩效目标表文件不会这么大；检查是否选错了文件，或把它拆成几份");
    NO_FILES = "I011", "no-files-found", Error,
        "目录中没有可检查的文件",
        Some("kpilint 检查 .txt、.tsv、.csv、.xlsx、.xlsm、.xls、.ods 与 *.form.yaml、*.form.yml、*.form.json 文件；Word、PDF 等格式请先导出为其中一种");
    INTERNAL_ERROR = "I012", "internal-error", Error,
        "kpilint 检查文件时出错（内部错误），文件未检查完",
        Some("这是 kpilint 的缺陷，不是表格的问题：请把这份文件和这条信息报告给维护者；其余文件照常检查");
    YAML_ALIAS_MISREAD = "I013", "yaml-alias-misread", Warning,
        "YAML 表单的别名会被读成另一个锚点的值（锚点重名）",
        Some("YAML 解析库在锚点名重复定义时会读错其后的别名：给每个锚点取不同的名字");
    PACK_INVALID = "R001", "invalid-rule-pack", Error,
        "规则包无法读取（YAML 错误、未知的键或缺少必需的键）",
        Some("按 docs/rules.md 检查规则包的结构");
    EXPRESSION_SYNTAX = "R002", "expression-syntax-error", Error,
        "规则表达式有语法错误",
        Some("检查括号是否配对、运算符两侧是否都有表达式");
    EXPRESSION_TYPE = "R003", "expression-type-error", Error,
        "规则表达式引用了不存在的变量、字段或函数",
        Some("可用的字段与函数见 docs/rules.md");
    DUPLICATE_RULE = "R004", "duplicate-rule-code", Error,
        "规则代码重复",
        Some("每条规则的代码必须唯一，改用未使用的代码");
    RULE_EVALUATION = "R005", "rule-evaluation-error", Error,
        "规则运行出错",
        Some("检查表达式在该表上得到的值；本条规则在该处未生效");
    RULE_METADATA = "R006", "invalid-rule-metadata", Error,
        "规则的代码或名称格式不合规",
        Some("代码写作 F001，名称写作 funds-sources-mismatch");
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
    TOO_MANY_ROWS = "S008", "too-many-indicator-rows", Warning,
        "指标表行数过多，只读取了开头部分",
        Some("一张绩效目标表的指标不过几十行；检查表格是否重复粘贴");
    TOO_MANY_LINES = "S009", "section-too-long", Warning,
        "预算表或说明部分行数过多，只读取了开头部分",
        Some("一张预算表或一段说明不会有上万行；检查文件是否拼接或重复粘贴");
    TOO_MANY_FORMS = "S010", "too-many-forms", Warning,
        "文件中的绩效目标表过多，只读取了开头部分",
        Some("一个文件不会有上万张绩效目标表；检查文件是否拼接或重复粘贴，或把它拆成几份");
    LINE_TOO_WIDE = "S011", "line-too-wide", Warning,
        "一行的单元格过多，只读取了开头部分",
        Some("一张表一行不过几十列；检查文件是否损坏，或是否用错了分隔符");
    UNUSED_SUPPRESSION = "U001", "unused-suppression", Warning,
        "kpilint.toml 中的抑制没有匹配任何发现",
        Some("删除这条抑制，或改正其 code、form、cell 使之匹配");
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
