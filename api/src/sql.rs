//! Conditional aggregates for set-based statistics, built with sea-query so that values are
//! bound the same way on SQLite and PostgreSQL.

use sea_orm::{
    Condition,
    sea_query::{Alias, Expr, Func},
};

/// `SUM(CASE WHEN cond THEN 1 ELSE 0 END)`.
pub fn count_if(cond: Condition) -> Expr {
    Func::sum(Expr::case(cond, Expr::cust("1")).finally(Expr::cust("0"))).into()
}

/// `CAST(AVG(CASE WHEN cond THEN value END) AS DOUBLE PRECISION)` (PostgreSQL's AVG of
/// integers is NUMERIC).
pub fn mean_if(cond: Condition, value: Expr) -> Expr {
    Func::cast_as(
        Func::avg(Expr::case(cond, value).finally(Expr::null())),
        Alias::new("DOUBLE PRECISION"),
    )
    .into()
}
