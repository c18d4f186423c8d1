using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Cds.Contracts;
using Cds.EventStore;

namespace Cds.Smart;

/// <summary>
/// The pages, as plain HTML for a clinician (no script at all, so nothing in the page can read or carry a token).
/// Every value is HTML-encoded; the layout is one column that reads in Epic's embedded browser.
/// </summary>
public static partial class ExplanationPage
{
    private const string Style = """
        body{font-family:system-ui,sans-serif;max-width:60rem;margin:1.5rem auto;padding:0 1rem;color:#1d1d1d;line-height:1.4}
        h1{font-size:1.35rem} h2{font-size:1.1rem;margin-top:1.6rem;border-bottom:1px solid #ccc}
        table{border-collapse:collapse;width:100%} th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eee;vertical-align:top}
        .used{background:#fff6d6;font-weight:600} .badge{padding:.1rem .5rem;border-radius:.3rem;color:#fff;font-size:.85rem}
        .critical{background:#b00020} .warning{background:#a15c00} .info{background:#2455a4} .muted{color:#666}
        """;

    public static string Card(Explanation e)
    {
        var h = new StringBuilder();
        h.Append("<p class=muted>Patient: <span id=patient>").Append(E(e.PatientName)).Append("</span></p>");
        h.Append("<h1 id=summary><span class=\"badge ").Append(E(e.Card.Indicator)).Append("\">").Append(E(e.Card.Indicator)).Append("</span> ")
            .Append(E(e.Card.Summary)).Append("</h1>");
        if (!string.IsNullOrWhiteSpace(e.Card.Detail))
        {
            h.Append("<p id=detail>").Append(Markdown(e.Card.Detail)).Append("</p>");
        }

        h.Append("<h2>What the rule saw in the chart</h2><p class=muted>Read from Epic just now. Highlighted rows are the ones the rule used.</p>");
        h.Append("<table id=facts><tr><th>Kind</th><th>What</th><th>Value</th><th>Date</th></tr>");
        foreach (var f in e.Facts)
        {
            h.Append(f.UsedByRule ? "<tr class=used>" : "<tr>").Append("<td>").Append(E(f.Kind)).Append("</td><td>").Append(E(f.What)).Append("</td><td>")
                .Append(E(f.Value)).Append("</td><td>").Append(E(Date(f.When))).Append("</td></tr>");
        }
        h.Append("</table>");
        if (e.Unavailable.Count > 0)
        {
            h.Append("<p class=muted>Could not be read now: ").Append(E(string.Join(", ", e.Unavailable))).Append(".</p>");
        }

        h.Append("<h2>The rule</h2><table id=rule>");
        if (e.Finding is { } finding)
        {
            h.Append("<tr><th>Rule</th><td>").Append(E(finding.RuleId)).Append(", version ").Append(E(finding.RuleVersion)).Append("</td></tr>");
            foreach (var item in finding.Evidence)
            {
                var eq = item.IndexOf('=');
                h.Append("<tr><th>").Append(E(eq > 0 ? item[..eq] : "evidence")).Append("</th><td>").Append(E(eq > 0 ? item[(eq + 1)..] : item)).Append("</td></tr>");
            }
        }
        h.Append("<tr><th>Source</th><td>").Append(E(e.Card.Source.Label)).Append("</td></tr></table>");

        h.Append("<h2>What happened</h2><table id=timeline><tr><th>When</th><th>What</th><th>Detail</th></tr>");
        foreach (var entry in e.Timeline.Entries.OrderBy(x => x.At))
        {
            h.Append("<tr><td>").Append(E(entry.At.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture))).Append("</td><td>")
                .Append(E(entry.What)).Append("</td><td>").Append(E(entry.Detail)).Append("</td></tr>");
        }
        h.Append("</table>");
        foreach (var note in e.Timeline.Notes.Where(n => n.CardUuid == e.Card.Uuid))
        {
            h.Append("<p class=note>Note written to the chart: ").Append(E(note.Status)).Append(note.EpicId is { } id ? $", Epic id {E(id)}" : "").Append("</p>");
        }
        return Document(e.Card.Summary, h.ToString());
    }

    /// <summary>A standalone launch without a card: the patient's recent cards, newest first.</summary>
    public static string List(IReadOnlyList<HookTimeline> timelines) =>
        Document("Recent alerts", "<h1>Recent alerts for this patient</h1><ul id=cards>" + string.Concat(timelines.SelectMany(t => t.Cards.Select(c =>
            $"<li><a href=\"/smart/card/{Uri.EscapeDataString(t.Id)}/{Uri.EscapeDataString(c.Uuid)}\">{E(c.Summary)}</a> <span class=muted>{E(t.ReceivedAt.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture))}</span></li>")))
            + "</ul>");

    public static string Message(string title, string text) => Document(title, $"<h1>{E(title)}</h1><p>{E(text)}</p>");

    /// <summary>After the code exchange: a same-site step to the page, so the SameSite=Strict session cookie is sent.</summary>
    public static string Continue(string path) =>
        Document("Signed in", $"<meta http-equiv=refresh content=\"0;url={E(path)}\"><p><a id=continue href=\"{E(path)}\">Continue</a></p>");

    private static string Document(string title, string body) =>
        $"<!doctype html><html lang=en><head><meta charset=utf-8><meta name=viewport content=\"width=device-width\"><title>{E(title)}</title><style>{Style}</style></head><body>{body}</body></html>";

    private static string Date(string? when) => when is { Length: >= 10 } ? when[..10] : when ?? "";

    /// <summary>The cards' markdown subset: **bold** and paragraphs, after encoding.</summary>
    private static string Markdown(string text) => Bold().Replace(E(text), "<strong>$1</strong>").Replace("\n\n", "</p><p>", StringComparison.Ordinal);

    private static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    [GeneratedRegex(@"\*\*(.+?)\*\*")]
    private static partial Regex Bold();
}
