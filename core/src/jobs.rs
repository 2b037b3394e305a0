//! Background jobs' bookkeeping: each job's row in `job_cursor`, which holds where it has
//! read to and is its lock (locked `FOR UPDATE` by whichever replica runs the job).

use sea_orm::DbErr;

/// Places a background job's `job_cursor` row at `position` unless it already has one.
/// The row is the job's lock too (locked `FOR UPDATE` by whoever runs the job).
pub async fn place_cursor(
    conn: &impl sea_orm::ConnectionTrait,
    name: &str,
    position: String,
) -> Result<(), DbErr> {
    use sea_orm::{EntityTrait as _, Set, sea_query::OnConflict};
    entity::job_cursor::Entity::insert(entity::job_cursor::ActiveModel {
        name: Set(name.to_owned()),
        position: Set(position),
        updated_at: Set(chrono::Utc::now()),
    })
    .on_conflict(
        OnConflict::column(entity::job_cursor::Column::Name)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}
