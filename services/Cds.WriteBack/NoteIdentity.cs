using System.Security.Cryptography;
using System.Text;

namespace Cds.WriteBack;

/// <summary>The note's stable identifier: the same feedback (tenant, hook, card, outcome) always gives the same value.</summary>
public sealed record NoteIdentity(string System, string Value)
{
    /// <summary>The <c>If-None-Exist</c> query: <c>identifier=system|value</c> (escaped).</summary>
    public string IfNoneExistQuery => "identifier=" + Uri.EscapeDataString($"{System}|{Value}");

    public string Token => $"{System}|{Value}";

    public static NoteIdentity For(string system, string tenant, string hookInstance, string cardUuid, string outcome)
    {
        var key = $"urn:cds:note:{tenant}:{hookInstance}:{cardUuid}:{outcome}";
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        return new NoteIdentity(system, Convert.ToHexStringLower(hash)[..40]);
    }
}
