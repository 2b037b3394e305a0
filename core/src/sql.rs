//! The aggregates of set-based statistics, the one way every domain writes them: built with
//! sea-query from columns and conditions (never SQL text), so values are bound the same way
//! on SQLite and PostgreSQL and every mean comes back as a double on both.

use sea_orm::{
    ActiveModelTrait, ActiveValue, Condition, EntityTrait, Iterable,
    sea_query::{Alias, Asterisk, Expr, ExprTrait as _, Func, InsertStatement, Query},
};

/// `COUNT(*)`.
pub fn count_all() -> Expr {
    Func::count(Expr::col(Asterisk)).into()
}

/// `SUM(CASE WHEN cond THEN 1 ELSE 0 END)`.
pub fn count_if(cond: Condition) -> Expr {
    Func::sum(Expr::case(cond, Expr::cust("1")).finally(Expr::cust("0"))).into()
}

/// `SUM(CASE WHEN cond THEN 0 ELSE 1 END)`: the rows `cond` leaves out.
pub fn count_unless(cond: Condition) -> Expr {
    Func::sum(Expr::case(cond, Expr::cust("0")).finally(Expr::cust("1"))).into()
}

/// `CAST(AVG(value) AS DOUBLE PRECISION)` (PostgreSQL's AVG of integers is NUMERIC).
pub fn mean(value: impl Into<Expr>) -> Expr {
    Func::cast_as(Func::avg(value.into()), Alias::new("DOUBLE PRECISION")).into()
}

/// `CAST(SUM(CASE WHEN cond THEN value END) AS DOUBLE PRECISION)`.
pub fn sum_if(cond: Condition, value: impl Into<Expr>) -> Expr {
    Func::cast_as(
        Func::sum(Expr::case(cond, value.into()).finally(Expr::null())),
        Alias::new("DOUBLE PRECISION"),
    )
    .into()
}

/// `MIN(CASE WHEN cond THEN value END)`.
pub fn min_if(cond: Condition, value: impl Into<Expr>) -> Expr {
    Func::min(Expr::case(cond, value.into()).finally(Expr::null())).into()
}

/// `MAX(CASE WHEN cond THEN value END)`.
pub fn max_if(cond: Condition, value: impl Into<Expr>) -> Expr {
    Func::max(Expr::case(cond, value.into()).finally(Expr::null())).into()
}

/// A condition that always holds (`1 = 1`), for a rule that lets everything through.
pub fn always() -> Condition {
    Condition::all().add(Expr::val(1).eq(1))
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

/// `INSERT INTO <table> (<the columns set in model>) SELECT <their values> WHERE <when>`:
/// a row written only when `when` holds, e.g. inside a `WITH` statement only when an
/// earlier insert of the same statement wrote its row.
pub fn insert_when<A>(model: &A, when: Expr) -> Result<InsertStatement, sea_orm::DbErr>
where
    A: ActiveModelTrait,
{
    let mut columns = Vec::new();
    let mut values = Vec::new();
    for column in <<A::Entity as EntityTrait>::Column as Iterable>::iter() {
        if let ActiveValue::Set(v) | ActiveValue::Unchanged(v) = model.get(column) {
            columns.push(column);
            values.push(Expr::val(v));
        }
    }
    let select = Query::select().exprs(values).and_where(when).to_owned();
    Ok(Query::insert()
        .into_table(A::Entity::default())
        .columns(columns)
        .select_from(select)
        .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?
        .to_owned())
}
