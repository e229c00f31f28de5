"""Pagination of queries whose rows are more than one entity (a village with its numbers)."""

from flask_sqlalchemy.pagination import SelectPagination


class RowPagination(SelectPagination):
    """``db.paginate`` keeps only the first column of each row; this keeps whole rows.

    Made like ``db.paginate``: ``RowPagination(select=query, session=db.session(), per_page=…,
    error_out=False)``; the page number is read from the request's ``page`` argument.
    """

    def _query_items(self) -> list:
        select = self._query_args["select"].limit(self.per_page).offset(self._query_offset)
        return list(self._query_args["session"].execute(select).all())
