//! The routes of the proxy ([`Route`]): which API Gateway route key is which Kinesis action, and
//! which guarded action it asks for on `{streamName}`.

use crate::guard::Action;

/// The routes of the proxy, by API Gateway route key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `GET /streams`: ListStreams.
    ListStreams,
    /// `GET /streams/{streamName}`: DescribeStream.
    DescribeStream,
    /// `POST /streams/{streamName}`: CreateStream.
    CreateStream,
    /// `DELETE /streams/{streamName}`: DeleteStream.
    DeleteStream,
    /// `PUT /streams/{streamName}/record`: PutRecord.
    PutRecord,
    /// `PUT /streams/{streamName}/records`: PutRecords.
    PutRecords,
}

impl Route {
    /// Every route.
    pub const ALL: [Route; 6] = [
        Route::ListStreams,
        Route::DescribeStream,
        Route::CreateStream,
        Route::DeleteStream,
        Route::PutRecord,
        Route::PutRecords,
    ];

    /// The route of an API Gateway route key (exact match).
    pub fn from_key(route_key: &str) -> Option<Route> {
        Route::ALL.into_iter().find(|route| route.key() == route_key)
    }

    /// The route key, as the template declares it.
    pub fn key(self) -> &'static str {
        match self {
            Route::ListStreams => "GET /streams",
            Route::DescribeStream => "GET /streams/{streamName}",
            Route::CreateStream => "POST /streams/{streamName}",
            Route::DeleteStream => "DELETE /streams/{streamName}",
            Route::PutRecord => "PUT /streams/{streamName}/record",
            Route::PutRecords => "PUT /streams/{streamName}/records",
        }
    }

    /// The guarded action on `{streamName}` (`None` for the listing, which is filtered instead).
    pub fn action(self) -> Option<Action> {
        match self {
            Route::ListStreams => None,
            Route::DescribeStream => Some(Action::Describe),
            Route::CreateStream => Some(Action::Create),
            Route::DeleteStream => Some(Action::Delete),
            Route::PutRecord => Some(Action::PutRecord),
            Route::PutRecords => Some(Action::PutRecords),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_by_exact_key() {
        for route in Route::ALL {
            assert_eq!(Route::from_key(route.key()), Some(route));
        }
        for key in [
            "GET /streams/",
            "get /streams",
            "POST /streams",
            "PATCH /streams/{streamName}",
            "$default",
            "",
            "GET /streams/{streamName}/records",
        ] {
            assert_eq!(Route::from_key(key), None, "{key}");
        }
        assert_eq!(Route::ListStreams.action(), None);
        assert_eq!(Route::DeleteStream.action(), Some(Action::Delete));
    }
}
