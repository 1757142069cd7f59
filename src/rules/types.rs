//! The types of the expression language and the fields each type has: the one schema that
//! the load-time check and `docs/rules.md` use. A pack that names a field not listed here
//! fails to load, with the place in the YAML.

use super::expr::{BinOp, Expr, Node, UnOp};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// Unknown until run time (parameters, nulls).
    Any,
    Bool,
    Num,
    Str,
    /// A list, by the type of its elements.
    List(Elem),
    Form,
    FundsPair,
    Funds,
    Half,
    Value,
    Pair,
    Document,
    /// A budget table.
    Table,
    /// A row of a budget table.
    Line,
    /// An amount cell of a budget table.
    TableCell,
    /// A project: its line in a 项目支出预算表, its form, or both.
    Project,
    /// A figure quoted in the prose.
    Figure,
    /// A task of a department form's 年度主要任务 table.
    Task,
}

/// The types a list can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elem {
    Any,
    Num,
    Str,
    Form,
    Half,
    Pair,
    Table,
    Line,
    TableCell,
    Project,
    Figure,
    Task,
}

impl Elem {
    pub fn ty(self) -> Ty {
        match self {
            Elem::Any => Ty::Any,
            Elem::Num => Ty::Num,
            Elem::Str => Ty::Str,
            Elem::Form => Ty::Form,
            Elem::Half => Ty::Half,
            Elem::Pair => Ty::Pair,
            Elem::Table => Ty::Table,
            Elem::Line => Ty::Line,
            Elem::TableCell => Ty::TableCell,
            Elem::Project => Ty::Project,
            Elem::Figure => Ty::Figure,
            Elem::Task => Ty::Task,
        }
    }

    pub fn of(t: Ty) -> Elem {
        match t {
            Ty::Num => Elem::Num,
            Ty::Str => Elem::Str,
            Ty::Form => Elem::Form,
            Ty::Half => Elem::Half,
            Ty::Pair => Elem::Pair,
            Ty::Table => Elem::Table,
            Ty::Line => Elem::Line,
            Ty::TableCell => Elem::TableCell,
            Ty::Project => Elem::Project,
            Ty::Figure => Elem::Figure,
            Ty::Task => Elem::Task,
            _ => Elem::Any,
        }
    }
}

impl Ty {
    pub fn name(&self) -> String {
        match self {
            Ty::Any => "任意".into(),
            Ty::Bool => "布尔".into(),
            Ty::Num => "数字".into(),
            Ty::Str => "文字".into(),
            Ty::List(t) => format!("{}列表", t.ty().name()),
            Ty::Form => "form".into(),
            Ty::FundsPair => "funds".into(),
            Ty::Funds => "资金列".into(),
            Ty::Half => "指标行".into(),
            Ty::Value => "指标值".into(),
            Ty::Pair => "指标对".into(),
            Ty::Document => "document".into(),
            Ty::Table => "预算表".into(),
            Ty::Line => "表行".into(),
            Ty::TableCell => "表格金额".into(),
            Ty::Project => "项目".into(),
            Ty::Figure => "说明中的数字".into(),
            Ty::Task => "年度主要任务".into(),
        }
    }
}

/// Every field of every type: (type, field, result type, meaning).
pub static FIELDS: &[(Ty, &str, Ty, &str)] = &[
    (Ty::Form, "kind", Ty::Str, "project 或 department"),
    (Ty::Form, "title", Ty::Str, "表格标题"),
    (Ty::Form, "name", Ty::Str, "项目名称（部门表为部门名称）"),
    (Ty::Form, "year", Ty::Num, "预算年度（年度行，如 2025）"),
    (
        Ty::Form,
        "money_unit",
        Ty::Str,
        "表头声明的金额单位：元 或 万元",
    ),
    (Ty::Form, "department", Ty::Str, "主管部门名称"),
    (Ty::Form, "department_code", Ty::Str, "主管部门代码"),
    (Ty::Form, "implementing_unit", Ty::Str, "实施单位"),
    (Ty::Form, "attribute", Ty::Str, "项目属性"),
    (Ty::Form, "period", Ty::Str, "项目期（原文）"),
    (
        Ty::Form,
        "period_years",
        Ty::Num,
        "项目期的年数（“3年”为 3）",
    ),
    (
        Ty::Form,
        "funds",
        Ty::FundsPair,
        "资金：funds.implementation 与 funds.annual",
    ),
    (
        Ty::Form,
        "rows",
        Ty::List(Elem::Half),
        "全部指标行（实施期与年度）",
    ),
    (
        Ty::Form,
        "implementation_rows",
        Ty::List(Elem::Half),
        "实施期指标行",
    ),
    (Ty::Form, "annual_rows", Ty::List(Elem::Half), "年度指标行"),
    (
        Ty::Form,
        "pairs",
        Ty::List(Elem::Pair),
        "按名称配对的实施期与年度指标",
    ),
    (
        Ty::Form,
        "two_periods",
        Ty::Bool,
        "指标表是否分实施期与年度两栏",
    ),
    (Ty::Form, "overview", Ty::Str, "项目概况"),
    (Ty::Form, "basis", Ty::Str, "立项依据"),
    (Ty::Form, "necessity", Ty::Str, "项目设立必要性"),
    (Ty::Form, "measures", Ty::Str, "保证项目实施的制度、措施"),
    (Ty::Form, "plan", Ty::Str, "项目实施计划"),
    (Ty::Form, "goal_implementation", Ty::Str, "实施期总体目标"),
    (
        Ty::Form,
        "goal_annual",
        Ty::Str,
        "年度总体目标（部门表为年度绩效目标）",
    ),
    (Ty::Form, "duties", Ty::Str, "部门职责（部门表）"),
    (
        Ty::Form,
        "budget_sources",
        Ty::List(Elem::Num),
        "部门表“年度预算情况”按资金来源划分的各项（元，不含合计）",
    ),
    (
        Ty::Form,
        "budget_source_total",
        Ty::Num,
        "部门表“年度预算情况”按资金来源划分的合计（元）",
    ),
    (
        Ty::Form,
        "budget_directions",
        Ty::List(Elem::Num),
        "部门表“年度预算情况”按资金方向划分的各项（元，不含合计）",
    ),
    (
        Ty::Form,
        "budget_direction_total",
        Ty::Num,
        "部门表“年度预算情况”按资金方向划分的合计（元）",
    ),
    (
        Ty::Form,
        "tasks",
        Ty::List(Elem::Task),
        "部门表“年度主要任务”表中的任务（不含金额合计行，它是 funds.annual）",
    ),
    (Ty::Task, "name", Ty::Str, "任务名称"),
    (Ty::Task, "content", Ty::Str, "主要内容"),
    (Ty::Task, "total", Ty::Num, "总额（元）"),
    (Ty::Task, "fiscal", Ty::Num, "财政拨款（元）"),
    (Ty::Task, "other", Ty::Num, "其他资金（元）"),
    (
        Ty::Task,
        "sources",
        Ty::List(Elem::Num),
        "财政拨款与其他资金（空白为 null）",
    ),
    (Ty::Form, "principal", Ty::Str, "负责人"),
    (Ty::Form, "phone", Ty::Str, "联系电话"),
    (Ty::Form, "date", Ty::Str, "填报日期"),
    (Ty::FundsPair, "implementation", Ty::Funds, "实施期资金"),
    (Ty::FundsPair, "annual", Ty::Funds, "年度资金"),
    (Ty::Funds, "period", Ty::Str, "实施期 或 年度"),
    (Ty::Funds, "total", Ty::Num, "资金总额（元）"),
    (Ty::Funds, "central", Ty::Num, "中央财政资金（元）"),
    (Ty::Funds, "provincial", Ty::Num, "省级财政资金（元）"),
    (Ty::Funds, "local", Ty::Num, "市县（区）财政资金（元）"),
    (Ty::Funds, "fiscal", Ty::Num, "财政拨款（元）：不分级次的财政资金"),
    (Ty::Funds, "general", Ty::Num, "一般公共预算（拨款）（元）：财政拨款的一部分"),
    (Ty::Funds, "government_fund", Ty::Num, "政府性基金预算（拨款）（元）：财政拨款的一部分"),
    (Ty::Funds, "state_capital", Ty::Num, "国有资本经营预算（拨款）（元）：财政拨款的一部分"),
    (Ty::Funds, "special_account", Ty::Num, "财政专户管理资金（元）"),
    (Ty::Funds, "self_raised", Ty::Num, "单位自筹或单位资金（元）"),
    (Ty::Funds, "carryover", Ty::Num, "上年结转（元）"),
    (Ty::Funds, "other", Ty::Num, "其他资金（元）"),
    (
        Ty::Funds,
        "sources",
        Ty::List(Elem::Num),
        "相加应等于总额的来源（空白为 null）：中央、省级、市县、财政拨款、财政专户管理资金、单位自筹、上年结转、其他；\
         表上没有财政拨款、也没有中央/省级/市县时，还有一般公共预算、政府性基金、国有资本经营预算",
    ),
    (
        Ty::Funds,
        "fiscal_parts",
        Ty::List(Elem::Num),
        "表上写了财政拨款时，它按预算分的部分：一般公共预算、政府性基金、国有资本经营预算（空白为 null）；否则为空",
    ),
    (Ty::Half, "period", Ty::Str, "实施期 或 年度"),
    (Ty::Half, "level1", Ty::Str, "一级指标"),
    (
        Ty::Half,
        "level2",
        Ty::Str,
        "二级指标（规范写法，如 数量指标）",
    ),
    (Ty::Half, "name", Ty::Str, "三级指标名称"),
    (Ty::Half, "text", Ty::Str, "指标值原文"),
    (
        Ty::Half,
        "written",
        Ty::Str,
        "指标值连同指标性质、计量单位列（或名称写明的单位）读出的写法（如 ≥90%）；都没有时同 text",
    ),
    (Ty::Half, "value", Ty::Value, "解析后的指标值"),
    (
        Ty::Half,
        "expected",
        Ty::Str,
        "指标值不符合其二级指标时，应有的类型；符合时为 null",
    ),
    (
        Ty::Value,
        "kind",
        Ty::Str,
        "quantity, percent, ratio, deadline, frequency, list, text, placeholder, invalid",
    ),
    (Ty::Value, "cmp", Ty::Str, "比较符号：≥ ≤ > < = ≈"),
    (Ty::Value, "amount", Ty::Num, "数值（按原单位）"),
    (Ty::Value, "upper", Ty::Num, "区间上限"),
    (Ty::Value, "unit", Ty::Str, "规范单位，如 元/人/年"),
    (Ty::Value, "yuan", Ty::Num, "金额换算为元（非金额为 null）"),
    (Ty::Value, "is_money", Ty::Bool, "是否金额"),
    (Ty::Value, "is_count", Ty::Bool, "是否数量（人、个、套……）"),
    (Ty::Value, "per_person", Ty::Bool, "是否“每人”单价"),
    (
        Ty::Value,
        "per_time",
        Ty::Str,
        "单价的时间单位：年、学期、月……",
    ),
    (
        Ty::Value,
        "per_count",
        Ty::Str,
        "单价按人、按时间以外计的单位：元/人/场次 的 场次",
    ),
    (Ty::Value, "year", Ty::Num, "期限的年份"),
    (Ty::Value, "month", Ty::Num, "期限的月份"),
    (Ty::Value, "recurring", Ty::Bool, "每年重复的期限"),
    (Ty::Value, "count", Ty::Num, "频次的次数"),
    (
        Ty::Value,
        "reason",
        Ty::Str,
        "无效原因：reversed_unit, spreadsheet_damage, unrecognised",
    ),
    (
        Ty::Value,
        "problem",
        Ty::Str,
        "出问题的那部分文字（标注落在其上）",
    ),
    (
        Ty::Value,
        "notes",
        Ty::List(Elem::Str),
        "提示：percent_over_100, odd_percent, truncated_list, non_canonical_unit, missing_slash",
    ),
    (Ty::Pair, "implementation", Ty::Half, "实施期一侧"),
    (Ty::Pair, "annual", Ty::Half, "年度一侧"),
    (
        Ty::Document,
        "forms",
        Ty::List(Elem::Form),
        "文件中的全部表",
    ),
    (
        Ty::Document,
        "tables",
        Ty::List(Elem::Table),
        "预算公开表（两栏的收支总表每栏一张）",
    ),
    (
        Ty::Document,
        "projects",
        Ty::List(Elem::Project),
        "项目支出预算表中的项目与项目绩效目标表的配对",
    ),
    (
        Ty::Document,
        "figures",
        Ty::List(Elem::Figure),
        "情况说明中引用的金额（万元）",
    ),
    (
        Ty::Document,
        "department_form",
        Ty::Form,
        "部门（单位）整体支出绩效目标表",
    ),
    (
        Ty::Table,
        "kind",
        Ty::Str,
        "summary, income, expenditure, fiscal_summary, general_expenditure, basic_expenditure, fund_income, fund_expenditure, state_capital, three_public, operating_costs, projects, projects_carried_over, other",
    ),
    (Ty::Table, "title", Ty::Str, "表名（两栏表带“（收入）”“（支出）”）"),
    (Ty::Table, "side", Ty::Str, "两栏表的一栏：收入 或 支出"),
    (Ty::Table, "unit", Ty::Str, "金额单位：万元 或 元"),
    (Ty::Table, "columns", Ty::List(Elem::Str), "金额列的列名"),
    (Ty::Table, "rows", Ty::List(Elem::Line), "全部行"),
    (Ty::Table, "no_data", Ty::Bool, "是否注明“本表无数据”"),
    (
        Ty::Table,
        "total",
        Ty::Line,
        "最外层的合计行（没有为 null）",
    ),
    (Ty::Line, "code", Ty::Str, "科目编码"),
    (Ty::Line, "name", Ty::Str, "名称（科目名称、项目名称、单位名称）"),
    (Ty::Line, "detail", Ty::Str, "第二个名称列（政府预算支出经济科目）"),
    (
        Ty::Line,
        "role",
        Ty::Str,
        "total, subject, item, group, department, unit, project",
    ),
    (Ty::Line, "table", Ty::Table, "所在的表"),
    (Ty::Line, "cells", Ty::List(Elem::TableCell), "各金额列"),
    (Ty::Line, "amount", Ty::TableCell, "第一个金额列（通常是合计）"),
    (Ty::Line, "children", Ty::List(Elem::Line), "加总为本行的各行"),
    (Ty::Line, "parent", Ty::Line, "本行是其组成部分的那一行"),
    (Ty::Line, "unit", Ty::Line, "项目所属单位的行"),
    (
        Ty::Line,
        "project",
        Ty::Project,
        "项目行与绩效目标表的配对",
    ),
    (Ty::TableCell, "value", Ty::Num, "金额（空白为 0）"),
    (Ty::TableCell, "blank", Ty::Bool, "是否空白"),
    (Ty::TableCell, "column", Ty::Str, "列名"),
    (Ty::TableCell, "line", Ty::Line, "所在的行"),
    (
        Ty::TableCell,
        "parts",
        Ty::List(Elem::TableCell),
        "合计列：同一行中加总为它的各列",
    ),
    (
        Ty::TableCell,
        "children",
        Ty::List(Elem::TableCell),
        "同一列中加总为它的各行",
    ),
    (Ty::Project, "line", Ty::Line, "项目支出预算表中的行（没有为 null）"),
    (Ty::Project, "form", Ty::Form, "项目绩效目标表（没有为 null）"),
    (
        Ty::Project,
        "match",
        Ty::Str,
        "exact（规范化后同名）、near（名称相近）或 null",
    ),
    (Ty::Project, "similarity", Ty::Num, "名称相似度 0–1"),
    (Ty::Figure, "label", Ty::Str, "金额前的文字"),
    (Ty::Figure, "amount", Ty::Num, "金额（万元）"),
    (Ty::Figure, "share", Ty::Num, "随后的百分数（“占81.31%”为 81.31）"),
    (
        Ty::Figure,
        "base",
        Ty::Figure,
        "同一句的第一个金额（百分数相对于它）",
    ),
    (
        Ty::Figure,
        "direction",
        Ty::Str,
        "比上年“增加”或“减少”的金额；否则 null",
    ),
    (Ty::Figure, "section", Ty::Str, "所在的小节标题"),
    (
        Ty::Figure,
        "quoted",
        Ty::TableCell,
        "小节所说的表中与文字对应的金额（对应不唯一时为 null）",
    ),
];

/// Built-in functions: name, (min, max) arguments, whether the 2nd argument is a lambda
/// over the 1st's elements, and what it means.
pub static FUNCTIONS: &[(&str, (usize, usize), bool, &str)] = &[
    (
        "sum",
        (1, 1),
        false,
        "数字列表之和（跳过 null；全为 null 时为 null）",
    ),
    ("count", (1, 2), true, "列表长度，或满足条件的个数"),
    ("any", (2, 2), true, "是否有元素满足条件"),
    ("all", (2, 2), true, "是否全部满足条件"),
    ("one", (2, 2), true, "是否恰好一个满足条件"),
    ("filter", (2, 2), true, "满足条件的元素"),
    ("first", (1, 2), true, "第一个（满足条件的）元素"),
    (
        "map",
        (2, 2),
        true,
        "每个元素换成一个表达式的值：map(form.tasks, t => t.total)",
    ),
    ("len", (1, 1), false, "文字的字数或列表的长度"),
    ("matches", (2, 2), false, "文字是否匹配正则表达式"),
    (
        "contains",
        (2, 2),
        false,
        "文字是否包含另一段文字；列表是否含有等于第二个参数的项",
    ),
    (
        "prefix_of",
        (2, 2),
        false,
        "两段文字是否一个是另一个的开头（忽略空格）",
    ),
    ("approx", (3, 3), false, "两数相差不超过较大者的给定比例"),
    ("abs", (1, 1), false, "绝对值"),
    ("min", (2, 2), false, "较小者"),
    ("max", (2, 2), false, "较大者"),
    ("join", (2, 2), false, "用分隔符连接文字列表"),
    (
        "header",
        (2, 2),
        false,
        "按表头名取值：header(form, \"实施单位\")",
    ),
    (
        "periods",
        (2, 2),
        false,
        "单价的时间单位在给定年数中的个数：750元/人/学期 在 1 年中为 2",
    ),
    (
        "param",
        (1, 1),
        false,
        "规则参数（可在 kpilint.toml 中覆盖）",
    ),
    ("pct", (1, 1), false, "把比例写成百分数文字：0.05 → 5%"),
    (
        "note",
        (2, 2),
        false,
        "指标值的某个提示所在的文字；没有该提示为 null",
    ),
    ("coalesce", (2, 2), false, "第一个参数为 null 时取第二个"),
    (
        "choose",
        (3, 3),
        false,
        "条件成立取第二个参数，否则取第三个",
    ),
    (
        "is_rate",
        (1, 1),
        false,
        "名称是否是比率（以“率”结尾，效率、频率、功率除外）",
    ),
    (
        "rate_period",
        (1, 1),
        false,
        "单价的计费周期：指标值单位写明的（元/人/月），否则名称写明的（每月发放标准）",
    ),
    (
        "bare_name",
        (1, 1),
        false,
        "名称去掉末尾括号里的说明或单位（培训人数（人） → 培训人数）",
    ),
    (
        "pct_in",
        (1, 1),
        false,
        "文字结尾写的百分数（“质量达标率100%”为 100）；没有为 null",
    ),
    (
        "doubled",
        (1, 1),
        false,
        "文字中紧挨着重复的词（如“提升提升”中的“提升”）；没有为 null",
    ),
    (
        "replace",
        (3, 3),
        false,
        "把文字中的一段换成另一段：replace(text, \"次年\", \"次/年\")",
    ),
    (
        "halfwidth",
        (1, 1),
        false,
        "把全角数字、百分号和比较符号（９０％、≧）换成半角（90%、≥）",
    ),
    (
        "table",
        (2, 3),
        false,
        "按种类取预算表：table(document, \"summary\", \"收入\")；没有为 null",
    ),
    (
        "line",
        (2, 2),
        false,
        "按科目编码或名称取表中的行：line(t, \"205\")、line(t, \"收入总计\")",
    ),
    (
        "cell",
        (2, 2),
        false,
        "按列名取行中的金额：cell(line, \"一般公共预算\")",
    ),
    (
        "round",
        (2, 2),
        false,
        "四舍五入到给定的小数位：round(x, 2)",
    ),
    (
        "amount_of",
        (2, 2),
        false,
        "部门整体表“年度预算情况”中的金额（元）：amount_of(form, \"基本支出\")",
    ),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeError {
    pub message: String,
    pub start: usize,
    pub end: usize,
}

pub fn field(on: &Ty, name: &str) -> Option<Ty> {
    FIELDS
        .iter()
        .find(|(t, f, _, _)| t == on && *f == name)
        .map(|(_, _, r, _)| *r)
}

fn fields_of(on: &Ty) -> Vec<&'static str> {
    FIELDS
        .iter()
        .filter(|(t, ..)| t == on)
        .map(|(_, f, ..)| *f)
        .collect()
}

/// What an expression can reach of a document beyond the cells it names: what a reader that
/// lets go of parts of a document before the document rules run must keep for them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reach {
    /// The indicator rows of a value that is, or may be (`Ty::Any`), a form.
    pub form_rows: bool,
    /// The prose of such a value: its text fields (项目概况 … 总体目标, 部门职责) and its
    /// sign-off row, as fields or through `header`.
    pub form_prose: bool,
}

impl Reach {
    /// What either reaches.
    pub fn merge(&mut self, other: Reach) {
        self.form_rows |= other.form_rows;
        self.form_prose |= other.form_prose;
    }
}

/// Whether `name`, as a field of a form, reads its indicator rows: a field giving rows or
/// pairs of them (`rows`, `annual_rows`, `pairs`, …), as the one field table says.
fn reads_form_rows(name: &str) -> bool {
    FIELDS.iter().any(|(on, field, ty, _)| {
        *on == Ty::Form
            && *field == name
            && matches!(
                ty,
                Ty::Half | Ty::Pair | Ty::List(Elem::Half) | Ty::List(Elem::Pair)
            )
    })
}

/// Whether `name`, as a field of a form, reads its prose: the fields whose text a reader lets
/// go of once the per-form rules have judged the form (`Form::forget_prose`).
fn reads_form_prose(name: &str) -> bool {
    PROSE_FIELDS.contains(&name)
}

/// The fields of a form that give its prose. Held to the field table by a test.
const PROSE_FIELDS: [&str; 11] = [
    "overview",
    "basis",
    "necessity",
    "measures",
    "plan",
    "goal_implementation",
    "goal_annual",
    "duties",
    "principal",
    "phone",
    "date",
];

/// The labels `header` reads the sign-off row by (the rest are the form's head).
const SIGN_OFF_HEADERS: [&str; 3] = ["填报日期", "负责人", "联系电话"];

/// Checks an expression against the variables in scope and the rule's parameters.
pub fn check(node: &Node, env: &HashMap<String, Ty>, params: &[String]) -> Result<Ty, TypeError> {
    check_reaching(node, env, params).map(|(t, _)| t)
}

/// [`check`], with what the expression can reach.
pub fn check_reaching(
    node: &Node,
    env: &HashMap<String, Ty>,
    params: &[String],
) -> Result<(Ty, Reach), TypeError> {
    let mut reach = Reach::default();
    let t = check_in(node, env, params, &mut reach)?;
    Ok((t, reach))
}

fn check_in(
    node: &Node,
    env: &HashMap<String, Ty>,
    params: &[String],
    reach: &mut Reach,
) -> Result<Ty, TypeError> {
    let err = |message: String| TypeError {
        message,
        start: node.start,
        end: node.end,
    };
    Ok(match &node.expr {
        Expr::Num(_) => Ty::Num,
        Expr::Str(_) => Ty::Str,
        Expr::Bool(_) => Ty::Bool,
        Expr::Null => Ty::Any,
        Expr::List(items) => {
            let mut elem = None;
            for i in items {
                let t = check_in(i, env, params, reach)?;
                elem = Some(match elem {
                    None => t,
                    Some(prev) if prev == t => prev,
                    Some(_) => Ty::Any,
                });
            }
            Ty::List(Elem::of(elem.unwrap_or(Ty::Any)))
        }
        Expr::Var(v) => match env.get(v) {
            Some(t) => *t,
            None => {
                let mut known: Vec<&str> = env.keys().map(String::as_str).collect();
                known.sort_unstable();
                return Err(err(format!("未知变量“{v}”（可用：{}）", known.join("、"))));
            }
        },
        Expr::Field(base, name) => {
            let t = check_in(base, env, params, reach)?;
            if matches!(t, Ty::Form | Ty::Any) {
                reach.form_rows |= reads_form_rows(name);
                reach.form_prose |= reads_form_prose(name);
            }
            match t {
                Ty::Any => Ty::Any,
                Ty::Bool | Ty::Num | Ty::Str | Ty::List(_) => {
                    return Err(err(format!("{}没有字段“{name}”", t.name())));
                }
                _ => match field(&t, name) {
                    Some(r) => r,
                    None => {
                        let start = node.end - name.len();
                        return Err(TypeError {
                            message: format!(
                                "{}没有字段“{name}”（可用：{}）",
                                t.name(),
                                fields_of(&t).join("、")
                            ),
                            start,
                            end: node.end,
                        });
                    }
                },
            }
        }
        Expr::Lambda(..) => {
            return Err(err(
                "“x => …”只能作为 count、any、all、one、filter、first 的第二个参数".into(),
            ))
        }
        Expr::Unary(op, e) => {
            let t = check_in(e, env, params, reach)?;
            match op {
                UnOp::Not => Ty::Bool,
                UnOp::Neg => expect_num(&t, e)?,
            }
        }
        Expr::Binary(op, a, b) => {
            let (ta, tb) = (
                check_in(a, env, params, reach)?,
                check_in(b, env, params, reach)?,
            );
            match op {
                BinOp::Or | BinOp::And => Ty::Bool,
                BinOp::Eq | BinOp::Ne => Ty::Bool,
                BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                    if (matches!(ta, Ty::Str) || matches!(tb, Ty::Str))
                        && ta != tb
                        && ta != Ty::Any
                        && tb != Ty::Any
                    {
                        return Err(err(format!("不能比较{}和{}的大小", ta.name(), tb.name())));
                    }
                    Ty::Bool
                }
                BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                    if *op == BinOp::Add && (ta == Ty::Str || tb == Ty::Str) {
                        Ty::Str
                    } else {
                        expect_num(&ta, a)?;
                        expect_num(&tb, b)?;
                        Ty::Num
                    }
                }
            }
        }
        Expr::Call(name, args) => return call(node, name, args, env, params, reach),
    })
}

fn expect_num(t: &Ty, at: &Node) -> Result<Ty, TypeError> {
    match t {
        Ty::Num | Ty::Any => Ok(Ty::Num),
        other => Err(TypeError {
            message: format!("这里需要数字，得到的是{}", other.name()),
            start: at.start,
            end: at.end,
        }),
    }
}

fn call(
    node: &Node,
    name: &str,
    args: &[Node],
    env: &HashMap<String, Ty>,
    params: &[String],
    reach: &mut Reach,
) -> Result<Ty, TypeError> {
    let err = |message: String| TypeError {
        message,
        start: node.start,
        end: node.end,
    };
    let Some(&(_, (min, max), lambda, _)) = FUNCTIONS.iter().find(|f| f.0 == name) else {
        let known: Vec<&str> = FUNCTIONS.iter().map(|f| f.0).collect();
        return Err(TypeError {
            message: format!("未知函数“{name}”（可用：{}）", known.join("、")),
            start: node.start,
            end: node.start + name.len(),
        });
    };
    if args.len() < min || args.len() > max {
        let n = if min == max {
            min.to_string()
        } else {
            format!("{min}–{max}")
        };
        return Err(err(format!(
            "{name} 需要 {n} 个参数，这里有 {} 个",
            args.len()
        )));
    }
    let first = check_in(&args[0], env, params, reach)?;
    let elem = match &first {
        Ty::List(t) => t.ty(),
        Ty::Any => Ty::Any,
        _ if lambda || name == "sum" || name == "join" => {
            return Err(TypeError {
                message: format!("{name} 的第一个参数应为列表，这里是{}", first.name()),
                start: args[0].start,
                end: args[0].end,
            })
        }
        _ => Ty::Any,
    };
    let mut rest = Vec::new();
    for a in &args[1..] {
        if lambda {
            let Expr::Lambda(param, body) = &a.expr else {
                return Err(TypeError {
                    message: format!(
                        "{name} 的第二个参数应为条件，如 r => r.level2 == \"成本指标\""
                    ),
                    start: a.start,
                    end: a.end,
                });
            };
            let mut inner = env.clone();
            inner.insert(param.clone(), elem);
            rest.push(check_in(body, &inner, params, reach)?);
        } else {
            rest.push(check_in(a, env, params, reach)?);
        }
    }
    // `header(form, "负责人")` reads the sign-off row; a label not written out may.
    if name == "header" && matches!(first, Ty::Form | Ty::Any) {
        reach.form_prose |= match args.get(1).map(|a| &a.expr) {
            Some(Expr::Str(label)) => SIGN_OFF_HEADERS.contains(&label.as_str()),
            _ => true,
        };
    }
    if name == "param" {
        if let Expr::Str(p) = &args[0].expr {
            if !params.iter().any(|x| x == p) {
                return Err(err(format!("规则没有参数“{p}”（在规则的 params 中声明）")));
            }
        }
    }
    Ok(match name {
        "sum" | "len" | "abs" | "min" | "max" | "periods" | "count" | "round" | "amount_of"
        | "pct_in" => Ty::Num,
        "table" => Ty::Table,
        "line" => Ty::Line,
        "cell" => Ty::TableCell,
        "any" | "all" | "one" | "matches" | "contains" | "prefix_of" | "approx" | "is_rate" => {
            Ty::Bool
        }
        "filter" => first,
        "first" => elem,
        "map" => Ty::List(Elem::of(rest.first().copied().unwrap_or(Ty::Any))),
        "join" | "header" | "pct" | "note" | "doubled" | "replace" | "halfwidth" | "bare_name"
        | "rate_period" => Ty::Str,
        "coalesce" => first,
        "choose" => rest.first().copied().unwrap_or(Ty::Any),
        _ => Ty::Any,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::expr::parse;

    fn env() -> HashMap<String, Ty> {
        HashMap::from([("form".to_owned(), Ty::Form), ("row".to_owned(), Ty::Half)])
    }

    fn check_text(s: &str) -> Result<Ty, TypeError> {
        check(&parse(s).unwrap(), &env(), &["tolerance".to_owned()])
    }

    /// What `s`, in a rule over the document, a project or a table, reaches.
    fn reach_of(s: &str) -> Reach {
        let env = HashMap::from([
            ("document".to_owned(), Ty::Document),
            ("project".to_owned(), Ty::Project),
            ("table".to_owned(), Ty::Table),
        ]);
        check_reaching(&parse(s).unwrap(), &env, &[])
            .unwrap_or_else(|e| panic!("{s}: {}", e.message))
            .1
    }

    /// A document rule reaches forms' rows through a form's row fields, on a form however it
    /// was reached or on a value that may be one; a table's rows are not a form's.
    #[test]
    fn what_reaches_forms_rows_is_known() {
        let reaches = |s: &str| reach_of(s).form_rows;
        for s in [
            "any(document.forms, f => len(f.rows) > 0)",
            "count(project.form.pairs) > 0",
            "len(first(document.forms).annual_rows) > 1",
            "map(document.forms, f => f.implementation_rows) != null",
            "len(coalesce(null, document.department_form).rows) > 0",
        ] {
            assert!(reaches(s), "{s}");
        }
        let row_fields: Vec<&str> = FIELDS
            .iter()
            .filter(|(on, f, ..)| *on == Ty::Form && reads_form_rows(f))
            .map(|(_, f, ..)| *f)
            .collect();
        // docs/rules.md names these.
        assert_eq!(
            row_fields,
            ["rows", "implementation_rows", "annual_rows", "pairs"]
        );
        for s in [
            "len(table.rows) > 0",
            "any(document.forms, f => f.funds.annual.total > 0)",
            "count(document.projects, p => p.form.name == \"甲\") > 0",
            "len(document.tables) > 0",
        ] {
            assert!(!reaches(s), "{s}");
        }
    }

    /// A document rule reaches forms' prose through its text and sign-off fields, or `header`
    /// with a sign-off label or one not written out; the head of a form is not prose.
    #[test]
    fn what_reaches_forms_prose_is_known() {
        let reaches = |s: &str| reach_of(s).form_prose;
        for s in [
            "any(document.forms, f => len(f.overview) > 0)",
            "project.form.date != null",
            "len(coalesce(null, document.department_form).duties) > 0",
            "header(project.form, \"负责人\") != null",
            "header(project.form, project.form.name) != null",
            "any(document.forms, f => header(f, \"联系电话\") == \"\")",
        ] {
            assert!(reaches(s), "{s}");
        }
        for s in [
            "count(document.projects, p => p.form.name == \"甲\") > 0",
            "header(project.form, \"实施单位\") != null",
            "any(document.forms, f => f.funds.annual.total > 0 and f.period == \"1年\")",
        ] {
            assert!(!reaches(s), "{s}");
        }
        // Every text field of a form is prose or its head: a new one is put in one or the
        // other here, and a prose one in PROSE_FIELDS.
        let head = [
            "kind",
            "title",
            "name",
            "money_unit",
            "department",
            "department_code",
            "implementing_unit",
            "attribute",
            "period",
        ];
        for (_, f, ..) in FIELDS
            .iter()
            .filter(|(on, _, ty, _)| *on == Ty::Form && *ty == Ty::Str)
        {
            assert!(head.contains(f) != reads_form_prose(f), "{f}");
        }
    }

    #[test]
    fn fields_and_functions_are_checked() {
        assert_eq!(check_text("form.funds.annual.total"), Ok(Ty::Num));
        assert_eq!(
            check_text("count(form.rows, r => r.level2 == \"数量指标\") > 0"),
            Ok(Ty::Bool)
        );
        assert_eq!(
            check_text("first(form.annual_rows).value.yuan"),
            Ok(Ty::Num)
        );
        let e = check_text("form.funds.anual.total").unwrap_err();
        assert!(
            e.message.contains("anual") && e.message.contains("annual"),
            "{}",
            e.message
        );
        assert_eq!(
            (e.start, e.end),
            (11, 16),
            "the label lands on the misspelt field"
        );
        assert!(check_text("summ(form.rows)")
            .unwrap_err()
            .message
            .contains("未知函数"));
        assert!(check_text("row.name * 2").is_err());
        assert!(check_text("param(\"floor\")")
            .unwrap_err()
            .message
            .contains("floor"));
        assert!(check_text("any(form.rows, r => r.nme == 1)")
            .unwrap_err()
            .message
            .contains("nme"));
        assert!(check_text("rowz.name")
            .unwrap_err()
            .message
            .contains("未知变量"));
    }
}
