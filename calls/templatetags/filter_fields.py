"""``{{ form.field|filter_field }}``: a field of a GET filter form drawn in Python.

The filter bars of the staff pages (applications table, scoreboard, review progress) are
read on every request of those pages; ``as_crispy_field`` drew each field through some
twenty nested templates and each ``<option>`` through the widget templates, about 60 of
the 95 ms of template CPU of the staff table at 10,000 applications. This filter gives the
same markup as crispy's Bootstrap 5 field for the widgets those forms use (text input,
select, checkbox, hidden): the label tied by ``for``, the ``div_id_…`` wrapper, the help
text and the error list referenced by ``aria-describedby``, ``aria-invalid`` on an invalid
value. Any other widget falls back to crispy.
"""

from __future__ import annotations

from django import forms, template
from django.forms.boundfield import BoundField
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_CLASSES = {
    forms.Select: "select form-select",
    forms.CheckboxInput: "checkboxinput form-check-input",
    forms.TextInput: "textinput form-control",
}


def _widget_class(widget: forms.Widget) -> str | None:
    for kind, css in _CLASSES.items():
        if type(widget) is kind:
            return css
    return None


def _attrs(bound: BoundField, css: str) -> dict[str, str]:
    """The widget's attributes as crispy gives them: its class, then the state and the
    descriptions that assistive technology reads."""
    auto_id = bound.auto_id
    attrs = dict(bound.field.widget.attrs)
    attrs["class"] = f"{css} {attrs['class']}" if attrs.get("class") else css
    described = []
    if bound.help_text and auto_id:
        described.append(f"{auto_id}_helptext")
    if bound.errors:
        attrs["class"] += " is-invalid"
        attrs["aria-invalid"] = "true"
        if auto_id:
            described.append(f"{auto_id}_error")
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return attrs


def _select(bound: BoundField, attrs: dict[str, str]) -> SafeString:
    """The ``<select>`` with its options, without one template per option."""
    widget = bound.field.widget
    attrs = {**attrs, **bound.build_widget_attrs(attrs)}
    if bound.auto_id:
        attrs["id"] = bound.auto_id
    context = widget.get_context(bound.html_name, bound.value(), attrs)["widget"]
    options = []
    for _group, choices, _index in context["optgroups"]:
        for option in choices:
            selected = mark_safe(" selected") if option["selected"] else ""
            options.append(
                format_html(
                    '<option value="{}"{}>{}</option>',
                    option["value"] if option["value"] is not None else "",
                    selected,
                    option["label"],
                )
            )
    return format_html(
        "<select{}>{}</select>",
        forms.utils.flatatt({"name": bound.html_name, **context["attrs"]}),
        mark_safe("\n".join(options)),  # noqa: S308 - every option went through format_html
    )


def _errors(bound: BoundField) -> SafeString:
    if not bound.errors:
        return mark_safe("")
    return format_html(
        '<div id="{}_error" class="invalid-feedback">{}</div>',
        bound.auto_id,
        format_html_join(
            "",
            '<p id="error_{}_{}"><strong>{}</strong></p>',
            ((index, bound.auto_id, error) for index, error in enumerate(bound.errors, 1)),
        ),
    )


def _help(bound: BoundField) -> SafeString:
    if not bound.help_text:
        return mark_safe("")
    # Help texts are the form's own strings, which crispy and Django's templates draw as safe.
    help_text = mark_safe(bound.help_text)  # noqa: S308
    return format_html('<div id="{}_helptext" class="form-text">{}</div>', bound.auto_id, help_text)


@register.filter
def filter_field(bound: BoundField) -> SafeString:
    widget = bound.field.widget
    if widget.is_hidden:
        return bound.as_widget()
    css = _widget_class(widget)
    if css is None:
        from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field

        return as_crispy_field(bound)
    attrs = _attrs(bound, css)
    if isinstance(widget, forms.Select):
        control = _select(bound, attrs)
    else:
        control = bound.as_widget(attrs=attrs)
    if isinstance(widget, forms.CheckboxInput):
        return format_html(
            '<div class="mb-3"><div id="div_{}" class="form-check">{}'
            '<label for="{}" class="form-check-label">{}</label>{}{}</div></div>',
            bound.auto_id,
            control,
            bound.id_for_label,
            bound.label,
            _errors(bound),
            _help(bound),
        )
    required = bound.field.required
    return format_html(
        '<div id="div_{}" class="mb-3"><label for="{}" class="form-label{}">{}{}</label>'
        "{}{}{}</div>",
        bound.auto_id,
        bound.id_for_label,
        " requiredField" if required else "",
        bound.label,
        mark_safe('<span class="asteriskField">*</span>') if required else "",
        control,
        _errors(bound),
        _help(bound),
    )
