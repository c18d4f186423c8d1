using System.Security.Cryptography;
using System.Text;

namespace Cds.EpicSandbox;

/// <summary>Epic-looking FHIR ids: letters, digits, '.', '-', ending in '3'.</summary>
public static class EpicId
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-";

    public static string New(int length = 40)
    {
        var bytes = RandomNumberGenerator.GetBytes(length);
        var sb = new StringBuilder("e", length + 2);
        foreach (var b in bytes)
        {
            sb.Append(Alphabet[b % Alphabet.Length]);
        }

        return sb.Append('3').ToString();
    }
}
