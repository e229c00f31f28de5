"""Pagination of the review's lists: totals kept until the data changes, and rows of more than one entity."""

from flask_login import current_user
from flask_sqlalchemy.pagination import SelectPagination

from .cache import kept_value


class KeptCountPagination(SelectPagination):
    """``db.paginate`` whose total is counted once per data version (:mod:`tracker.review.cache`).

    Made like ``db.paginate`` with one more argument, ``count_key``: a tuple that names what is counted (the
    list and its filters; the user's scope is added), e.g. ``KeptCountPagination(count_key=("concerns",
    filters), select=query, session=db.session(), per_page=…, error_out=False)``.
    """

    def __init__(self, count_key: tuple, **kwargs):
        self._count_key = count_key
        super().__init__(**kwargs)

    def _query_count(self) -> int:
        return kept_value(current_user, ("count", *self._count_key), super()._query_count)


class RowPagination(KeptCountPagination):
    """Like :class:`KeptCountPagination`, keeping whole rows where ``db.paginate`` keeps only the first column
    of each row (a village with its numbers)."""

    def _query_items(self) -> list:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).all())
