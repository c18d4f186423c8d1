using Hl7.Fhir.Model;

namespace Cds.Fhir.Search;

internal static class OutcomeText
{
    public static string IssueCode(OperationOutcome.IssueComponent issue) =>
        issue.Details?.Coding?.FirstOrDefault(c => !string.IsNullOrEmpty(c.Code))?.Code ?? issue.Code?.ToString() ?? "unknown";
}
