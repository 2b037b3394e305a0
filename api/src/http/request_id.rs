//! A request id on every response (`x-request-id`), taken from a well-formed incoming
//! header (a load balancer's) or made fresh.

use actix_web::{
    HttpMessage as _,
    dev::{Service, ServiceRequest, ServiceResponse},
    http::header::{HeaderName, HeaderValue},
};
use uuid::Uuid;

use crate::graphql::context::RequestId;

/// The header name.
pub const HEADER: &str = "x-request-id";

fn from_header(req: &ServiceRequest) -> Option<String> {
    let v = req.headers().get(HEADER)?.to_str().ok()?;
    let ok = !v.is_empty()
        && v.len() <= 64
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    ok.then(|| v.to_owned())
}

/// Middleware body for `App::wrap_fn`.
pub fn middleware<S, B>(
    req: ServiceRequest,
    srv: &S,
) -> impl Future<Output = Result<ServiceResponse<B>, actix_web::Error>> + use<S, B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    let id = from_header(&req).unwrap_or_else(|| Uuid::now_v7().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let fut = srv.call(req);
    async move {
        let mut res = fut.await?;
        if let Ok(v) = HeaderValue::from_str(&id) {
            res.headers_mut().insert(HeaderName::from_static(HEADER), v);
        }
        Ok(res)
    }
}
