"""The problems an import finds, as data: where (a path in the file), what (a short stable
code) and the values its message needs. One table gives each code its message, shown in
English by the command line (`actuals[3].quantity: not a number`) and in the user's
language on the upload page. Messages are only formatted when shown: a 100,000-row file
with an error on every row costs no string work until someone reads it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import gettext

__all__ = ["KINDS", "MESSAGES", "Path", "Problem", "N_"]

# (`actuals`, 3, `quantity`); a CSV file's problems start at the row number instead:
# (4, `quantity`). The whole file is ().
Path = tuple[str | int, ...]


def N_(message: str) -> str:
    """Marks a message for extraction (one of pybabel's default keywords); it is translated
    when it is shown, in the language of that moment."""
    return message


# code → message; `%(name)s` stands for params["name"]. The English text is exactly what
# the command line prints (SPEC 11): change a message here and its translations go stale.
MESSAGES: dict[str, str] = {
    # the file and its sections
    "not_json_object": N_("must be a JSON object"),
    "wrong_format": N_("must be '%(format)s'"),
    "unknown_section": N_("unknown section"),
    "unknown_field": N_("unknown field"),
    # reading a field
    "required": N_("required"),
    "not_a_list": N_("must be a list"),
    "not_an_object": N_("must be an object"),
    "not_text": N_("must be text"),
    "too_long": N_("longer than %(limit)s characters"),
    "not_an_email": N_("not an e-mail address"),
    "not_a_country": N_("must be a 2-letter ISO 3166 country code"),
    "unknown_currency": N_("unknown currency '%(currency)s'"),
    "float_number": N_('must be a string such as "7.5", not a float'),
    "not_a_number": N_("not a number"),
    "too_large": N_("too large"),
    "too_many_decimals": N_("more than %(places)s decimals"),
    "too_many_decimals_for_currency": N_("more decimals than %(currency)s allows (%(places)s)"),
    "negative": N_("must not be negative"),
    "below_minimum": N_("must be at least %(minimum)s"),
    "not_a_percentage": N_("must be between 0 and 100"),
    "not_a_date": N_("not a date (YYYY-MM-DD)"),
    "implausible_date": N_("must be between %(earliest)s and %(latest)s"),
    "not_one_of": N_("must be one of %(options)s"),
    "not_a_flag": N_("must be true or false"),
    "unknown_reference": N_("unknown %(kind)s '%(key)s'"),
    # keys and names
    "duplicate_key": N_("duplicate key '%(key)s'"),
    "key_exists": N_("'%(key)s' already exists"),
    "duplicate_name": N_("duplicate name '%(name)s'"),
    "name_exists": N_("'%(name)s' already exists"),
    # price lists and contracts
    "duplicate_price": N_("duplicate price for %(kind)s '%(key)s' per '%(unit)s'"),
    "price_list_currency": N_("price list '%(price_list)s' is in %(price_list_currency)s, "
                              "the contract is in %(currency)s"),
    "not_on_billing_method": N_("not used on %(method)s lines"),
    "not_a_class_list": N_("must be a non-empty list of %(options)s"),
    "duplicate_class": N_("duplicate class '%(transaction_class)s'"),
    "class_on_another_line": N_("project '%(project)s' already has a time and material line "
                                "for '%(transaction_class)s'"),
    "not_on_schedule": N_("not used on %(frequency)s schedules"),
    "semi_monthly_days": N_("semi_monthly runs on days 15 and 31"),
    "not_a_weekday": N_("must be 0-6 (0 is monday) or monday … sunday"),
    "not_a_day_list": N_("must be a list of days of the month (1-31)"),
    # app.billing.schedule explains its refusals in English only (no code to translate by)
    "invalid_schedule": "%(reason)s",
    "start_too_early": N_("before %(earliest)s: a schedule catches up every run date since its "
                          "start, check the year"),
    "milestones_differ": N_("milestones add up to %(total)s, the line amount is %(amount)s"),
    "product_and_name": N_("give either product or product_name, not both"),
    "product_required": N_("required (or product_name for a write-in product)"),
    "product_price_decimals": N_("product '%(product)s' costs %(price)s, more decimals than "
                                 "%(currency)s allows (%(places)s)"),
    "write_in_price_required": N_("required for a write-in product"),
    # customers' e-invoice settings (issue 16)
    "endpoint_incomplete": N_("an electronic address has endpoint_scheme and endpoint_id: "
                              "give both, or neither"),
    "unknown_endpoint_scheme": N_("'%(scheme)s' is not an electronic address scheme we know "
                                  "(e.g. 0184 for a Danish CVR number)"),
    "invalid_endpoint": N_("'%(value)s' is not a valid identifier of scheme %(scheme)s"),
    "endpoint_required": N_("required when einvoice_profile is '%(profile)s'"),
    "invalid_cvr": N_("a Danish registration number is a CVR number: 8 digits with a valid "
                      "check digit"),
    "exemption_reason_required": N_("required when vat_treatment is 'exempt'"),
    # actuals
    "unknown_task": N_("unknown task '%(task)s' in project '%(project)s'"),
    "amount_too_large": N_("quantity × price is too large"),
    "amount_beyond_limit": N_("quantity × price would be %(amount)s, more than %(limit)s, the "
                              "largest amount that can be stored"),
    "invoice_total_too_large": N_("the items of contract '%(contract)s' would add up to more than "
                                  "%(limit)s, the largest amount an invoice can hold"),
    "not_contract_currency": N_("must be %(currency)s, the currency of contract '%(contract)s'"),
    "required_without_contract": N_("required (no contract has a line on project "
                                    "'%(project)s')"),
    "no_price": N_("no price for %(kind)s '%(key)s' per '%(unit)s' in price list "
                   "'%(price_list)s'"),
    "fee_price_required": N_("required (a fee without a category has no price-list price)"),
    "no_line_for_class": N_("project '%(project)s' has no time and material line for "
                            "'%(transaction_class)s', so it is not_available"),
    "class_on_line": N_("contract line '%(line)s' includes '%(transaction_class)s' on project "
                        "'%(project)s'; use chargeable, non_chargeable or complimentary"),
    # reading the file itself
    "no_such_file": N_("no such file"),
    "not_utf8": N_("not UTF-8 text"),
    "unreadable": "%(reason)s",  # the operating system's words
    "not_json_or_csv": N_("not a .json or .csv file"),
    "not_json": N_("not valid JSON: %(reason)s (line %(line)s, column %(column)s)"),
    "database_refused": N_("refused by the database, changed meanwhile? (%(reason)s)"),
    # CSV files
    "no_header": N_("no header row (columns such as %(columns)s)"),
    "unknown_column": N_("unknown column"),
    "duplicate_column": N_("duplicate column"),
    "missing_column": N_("missing column '%(column)s'"),
    "unnamed_column_value": N_("a value in a column without a name"),
    # --- what no file may hold (helper "files", issue 13): text the database cannot store
    # (app.billing.values.text_problem's kinds), nesting, sizes
    "text_nul": N_("contains a NUL byte"),
    "text_surrogate": N_("contains a lone surrogate (U+D800-U+DFFF), which is not text"),
    "text_control": N_("contains a control character"),
    "text_line_break": N_("contains a line break"),
    "field_name_nul": N_("a field name that contains a NUL byte"),
    "field_name_surrogate": N_("a field name that contains a lone surrogate"),
    "field_name_control": N_("a field name that contains a control character"),
    "field_name_line_break": N_("a field name that contains a line break"),
    "nested_too_deep": N_("nested more than %(levels)s levels deep"),
    "empty_file": N_("the file is empty"),
    "too_many_columns": N_("%(count)s columns; a file of actuals has at most %(limit)s"),
    "cell_too_long": N_("a cell longer than %(limit)s characters"),
    "unreadable_row": N_("not readable as CSV (%(reason)s)"),
}

# What `kind` names in a message ("unknown project 'web'"): translated with the message.
KINDS: dict[str, str] = {
    "customer": N_("customer"), "role": N_("role"), "resource": N_("resource"),
    "category": N_("category"), "product": N_("product"), "price list": N_("price list"),
    "project": N_("project"), "unit": N_("unit"),
}


@dataclass(frozen=True, slots=True)
class Problem:
    """One error or warning: `path` in the file, a `code` of MESSAGES and the `params` its
    message needs (`{"kind": "project", "key": "nope"}`)."""

    path: Path
    code: str
    params: Mapping[str, object] = field(default_factory=dict)

    def __hash__(self) -> int:
        return hash((self.path, self.code, tuple(sorted(self.params.items()))))

    def message(self) -> str:
        """In English, as the command line prints it: `unknown project 'nope'`."""
        template = MESSAGES[self.code]
        return template % self.params if self.params else template

    def translated(self) -> str:
        """In the language of the request (Flask-Babel); English where no translation is."""
        template = gettext(MESSAGES[self.code])
        if not self.params:
            return template
        params = self.params
        kind = KINDS.get(params.get("kind"))  # type: ignore[arg-type]
        if kind is not None:
            params = {**params, "kind": gettext(kind)}
        return template % params
