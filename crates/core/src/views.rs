//! Saved views: a people-list filter and sort a person named, kept for them alone. A view is
//! its query string, so the link it opens is the view, shareable as it is.

use crate::clock::stamp;
use chrono::{DateTime, Utc};
use sqlx::{PgPool, Row, SqlitePool};

/// Views a person may keep.
pub const MAX_VIEWS: usize = 50;
const MAX_NAME: usize = 80;
const MAX_QUERY: usize = 2000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedView {
    pub id: String,
    pub name: String,
    /// The people list's query string (`q=ed&status=ACTIVE`), without a page cursor.
    pub query: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    #[error("Give the view a name (at most {MAX_NAME} characters).")]
    Name,
    #[error("This filter is too long to keep.")]
    TooLong,
    #[error("You keep {MAX_VIEWS} views already; delete one first.")]
    TooMany,
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

/// Where views are kept, in each backend's SQL.
#[async_trait::async_trait]
pub trait ViewStore: Sync {
    /// Stores the view, or replaces the query of the owner's view of the same name.
    async fn put_view(&self, owner: &str, view: &SavedView, at: DateTime<Utc>) -> sqlx::Result<()>;
    /// The owner's views, by name.
    async fn views_of(&self, owner: &str) -> sqlx::Result<Vec<SavedView>>;
    /// Deletes one of the owner's views; false if they have none by that id.
    async fn delete_view(&self, owner: &str, id: &str) -> sqlx::Result<bool>;
}

fn view_of(id: String, name: String, query: String) -> SavedView {
    SavedView { id, name, query }
}

#[async_trait::async_trait]
impl ViewStore for SqlitePool {
    async fn put_view(&self, owner: &str, v: &SavedView, at: DateTime<Utc>) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO saved_views (id, owner_sub, name, query, created_at) VALUES (?, ?, ?, ?, ?) \
             ON CONFLICT (owner_sub, name) DO UPDATE SET query = excluded.query",
        )
        .bind(&v.id)
        .bind(owner)
        .bind(&v.name)
        .bind(&v.query)
        .bind(stamp(at))
        .execute(self)
        .await
        .map(drop)
    }

    async fn views_of(&self, owner: &str) -> sqlx::Result<Vec<SavedView>> {
        let rows = sqlx::query("SELECT id, name, query FROM saved_views WHERE owner_sub = ? ORDER BY name")
            .bind(owner)
            .fetch_all(self)
            .await?;
        rows.iter().map(|r| Ok(view_of(r.try_get("id")?, r.try_get("name")?, r.try_get("query")?))).collect()
    }

    async fn delete_view(&self, owner: &str, id: &str) -> sqlx::Result<bool> {
        let done = sqlx::query("DELETE FROM saved_views WHERE owner_sub = ? AND id = ?")
            .bind(owner)
            .bind(id)
            .execute(self)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

#[async_trait::async_trait]
impl ViewStore for PgPool {
    async fn put_view(&self, owner: &str, v: &SavedView, at: DateTime<Utc>) -> sqlx::Result<()> {
        sqlx::query(
            "INSERT INTO saved_views (id, owner_sub, name, query, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (owner_sub, name) DO UPDATE SET query = EXCLUDED.query",
        )
        .bind(&v.id)
        .bind(owner)
        .bind(&v.name)
        .bind(&v.query)
        .bind(at)
        .execute(self)
        .await
        .map(drop)
    }

    async fn views_of(&self, owner: &str) -> sqlx::Result<Vec<SavedView>> {
        let rows = sqlx::query("SELECT id, name, query FROM saved_views WHERE owner_sub = $1 ORDER BY name")
            .bind(owner)
            .fetch_all(self)
            .await?;
        rows.iter().map(|r| Ok(view_of(r.try_get("id")?, r.try_get("name")?, r.try_get("query")?))).collect()
    }

    async fn delete_view(&self, owner: &str, id: &str) -> sqlx::Result<bool> {
        let done = sqlx::query("DELETE FROM saved_views WHERE owner_sub = $1 AND id = $2")
            .bind(owner)
            .bind(id)
            .execute(self)
            .await?;
        Ok(done.rows_affected() == 1)
    }
}

/// Keeps `query` as `owner`'s view called `name` (replacing the query of one by that name).
pub async fn save(
    db: &dyn crate::db::Store,
    owner: &str,
    name: &str,
    query: &str,
    at: DateTime<Utc>,
) -> Result<SavedView, ViewError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(ViewError::Name);
    }
    if query.len() > MAX_QUERY {
        return Err(ViewError::TooLong);
    }
    let existing = db.views_of(owner).await?;
    if let Some(same) = existing.iter().find(|v| v.name == name) {
        let view = SavedView { query: query.to_string(), ..same.clone() };
        db.put_view(owner, &view, at).await?;
        return Ok(view);
    }
    if existing.len() >= MAX_VIEWS {
        return Err(ViewError::TooMany);
    }
    let id = format!("V-{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    let view = SavedView { id, name: name.to_string(), query: query.to_string() };
    db.put_view(owner, &view, at).await?;
    Ok(view)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Views are their owner's alone, by name; saving a name again replaces its filter; names
    /// and sizes are checked.
    async fn keeps_views_per_person(db: &dyn crate::db::Store) {
        let at = Utc::now();
        let ed = save(db, "ada", "Engineers", "department=Engineering", at).await.expect("saved");
        save(db, "ada", "Active", "status=ACTIVE", at).await.expect("saved");
        save(db, "hal", "Mine", "q=x", at).await.expect("saved");
        let names = |v: Vec<SavedView>| v.into_iter().map(|v| (v.name, v.query)).collect::<Vec<_>>();
        assert_eq!(
            names(db.views_of("ada").await.expect("list")),
            [("Active".into(), "status=ACTIVE".into()), ("Engineers".into(), "department=Engineering".into())]
        );
        let again = save(db, "ada", " Engineers ", "department=Engineering&sort=name", at).await.expect("replaced");
        assert_eq!(again.id, ed.id, "the same view, its filter replaced");
        assert_eq!(db.views_of("ada").await.expect("list").len(), 2);
        assert!(matches!(save(db, "ada", "  ", "q=x", at).await, Err(ViewError::Name)));
        assert!(matches!(save(db, "ada", "Long", &"q".repeat(3000), at).await, Err(ViewError::TooLong)));
        assert!(!db.delete_view("hal", &ed.id).await.expect("delete"), "not hal's to delete");
        assert!(db.delete_view("ada", &ed.id).await.expect("delete"));
        assert_eq!(names(db.views_of("ada").await.expect("list")), [("Active".into(), "status=ACTIVE".into())]);
        for i in 0..MAX_VIEWS - 1 {
            save(db, "ada", &format!("v{i}"), "q=x", at).await.expect("room");
        }
        assert!(matches!(save(db, "ada", "one more", "q=x", at).await, Err(ViewError::TooMany)));
    }

    crate::db::testing::on_both_backends!(keeps_views_per_person);
}
