using System.Text;
using System.Text.Json.Serialization;

namespace Cds.Hooks.Requests;

/// <summary>
/// <c>fhirAuthorization</c> of a hook request. The access token lives ~300 s (docs/epic-behaviours.md item 6): use it inside the hook call only;
/// it is never written by <see cref="ToString"/> nor serialized (<see cref="JsonIgnoreAttribute"/>). Epic's
/// <see cref="Scope"/> uses Epic's API names, not SMART scopes, and there is no <c>patient</c> member.
/// </summary>
public sealed record FhirAuthorization
{
    [JsonIgnore]
    public string AccessToken { get; init; } = "";
    public required string TokenType { get; init; }
    public int? ExpiresIn { get; init; }
    public string? Scope { get; init; }
    public string? Subject { get; init; }
    /// <summary>Optional in CDS Hooks 2.0 (SMART's patient); Epic does not send it.</summary>
    public string? Patient { get; init; }

    public override string ToString() =>
        $"FhirAuthorization {{ TokenType = {TokenType}, ExpiresIn = {ExpiresIn}, Subject = {Subject}, AccessToken = [redacted] }}";

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("TokenType = ").Append(TokenType).Append(", ExpiresIn = ").Append(ExpiresIn)
            .Append(", Subject = ").Append(Subject).Append(", AccessToken = [redacted]");
        return true;
    }
}
