//! Conditional aggregates for set-based statistics, built with sea-query so that values are
//! bound the same way on SQLite and PostgreSQL.

use sea_orm::{
    ActiveModelTrait, ActiveValue, Condition, EntityTrait, Iterable,
    sea_query::{Alias, Expr, Func, InsertStatement, Query},
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
