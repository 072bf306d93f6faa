//! Helpers for programs that choose resources and actions from data at run
//! time (the `gitlab` command-line tool): page-by-page listings and custom
//! actions on a [`DynManager`], without the typed wrappers.

use crate::attrs::{Attrs, Param};
use crate::error::Result;
use crate::manager::{ActionResult, Cursor, DynManager, Page};
use crate::meta::ActionMeta;
use crate::object::ObjectCore;
use serde_json::Value;

/// A listing read one page at a time, so memory holds one page however long
/// the listing is. Made by [`DynManager::pages`].
pub struct Pages {
    core: DynManager,
    cursor: Cursor,
}

impl Pages {
    /// The next page of objects with its pagination headers, or `None` after the last.
    pub async fn next_page(&mut self) -> Result<Option<Page<ObjectCore>>> {
        match self.cursor.next_page_raw().await? {
            None => Ok(None),
            Some((items, info)) => Ok(Some(Page {
                items: items
                    .into_iter()
                    .map(|v| self.core.object_of_raw(v))
                    .collect::<Result<_>>()?,
                info,
            })),
        }
    }
}

impl DynManager {
    /// Walks a listing page by page, starting at `first_page` (default 1) and
    /// following the server's next-page links. `per_page` defaults to the client's.
    pub fn pages(
        &self,
        filters: &Attrs,
        per_page: Option<u32>,
        first_page: Option<u32>,
    ) -> Result<Pages> {
        let per_page = per_page.or(self.gl.per_page());
        Ok(Pages {
            core: self.clone(),
            cursor: self.cursor(filters, per_page, first_page)?,
        })
    }

    /// Runs custom action `action` of this manager's resource. Object actions
    /// address the object `id` (no request fetches it first); manager actions
    /// ignore `id`. `required` follows the order of `action.required`.
    pub async fn call_action(
        &self,
        id: Option<Value>,
        action: &'static ActionMeta,
        required: Vec<Param>,
        optional: Attrs,
    ) -> Result<ActionResult> {
        let out = match action.on {
            crate::meta::ActionTarget::Manager => {
                self.run_action(None, action, required, optional).await?
            }
            crate::meta::ActionTarget::Object => {
                let object = self.lazy(id.unwrap_or(Value::Null));
                self.run_action(Some(&object), action, required, optional)
                    .await?
            }
        };
        Ok(out)
    }
}
