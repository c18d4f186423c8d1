using System.Security.Cryptography;
using System.Text;
using Cds.Tenants;

namespace Cds.Fhir.Configuration;

/// <summary>
/// Loads the tenant's RSA signing key from a PEM file or an environment variable and proves it can sign RS384.
/// Error texts name the setting and the file or variable, never the key material.
/// </summary>
public static class PrivateKeyLoader
{
    public const int MinimumRsaKeySizeBits = 2048;

    /// <summary>Loads and checks the key; returns null and a human-readable problem when it cannot be used.</summary>
    public static RSA? TryLoad(BackendOptions backend, out string? problem)
    {
        problem = null;
        string? pem = null;
        string source;

        var envName = backend.PrivateKeyEnv;
        var envValue = string.IsNullOrWhiteSpace(envName) ? null : System.Environment.GetEnvironmentVariable(envName);
        if (!string.IsNullOrWhiteSpace(envValue))
        {
            source = $"environment variable '{envName}' (Backend.PrivateKeyEnv)";
            pem = envValue.Contains("-----BEGIN", StringComparison.Ordinal) ? envValue : TryBase64(envValue);
            if (pem is null)
            {
                problem = $"{source} holds neither PEM text nor base64 of a PEM file.";
                return null;
            }
        }
        else if (!string.IsNullOrWhiteSpace(backend.PrivateKeyPath))
        {
            source = $"private key file '{backend.PrivateKeyPath}' (Backend.PrivateKeyPath)";
            try
            {
                pem = File.ReadAllText(backend.PrivateKeyPath);
            }
            catch (FileNotFoundException)
            {
                problem = $"{source} does not exist" + EnvHint(envName);
                return null;
            }
            catch (DirectoryNotFoundException)
            {
                problem = $"{source} does not exist (its folder is missing)" + EnvHint(envName);
                return null;
            }
            catch (UnauthorizedAccessException)
            {
                problem = $"{source} cannot be read by this process (permission denied).";
                return null;
            }
            catch (IOException ex)
            {
                problem = $"{source} cannot be read: {ex.GetType().Name}.";
                return null;
            }
        }
        else
        {
            problem = string.IsNullOrWhiteSpace(envName)
                ? "no private key: set Backend.PrivateKeyPath (a PEM file outside the repository) or Backend.PrivateKeyEnv (an environment variable holding the PEM)."
                : $"no private key: environment variable '{envName}' (Backend.PrivateKeyEnv) is not set and Backend.PrivateKeyPath is empty.";
            return null;
        }

        return Parse(pem, source, out problem);
    }

    private static string EnvHint(string? envName) =>
        string.IsNullOrWhiteSpace(envName) ? "." : $" and environment variable '{envName}' (Backend.PrivateKeyEnv) is not set.";

    private static string? TryBase64(string value)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(value.Trim()));
            return text.Contains("-----BEGIN", StringComparison.Ordinal) ? text : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static RSA? Parse(string pem, string source, out string? problem)
    {
        problem = null;
        var labels = PemLabels(pem);
        if (labels.Count == 0)
        {
            problem = $"{source} is not PEM (no '-----BEGIN ...-----' block).";
            return null;
        }

        if (labels.Contains("ENCRYPTED PRIVATE KEY"))
        {
            problem = $"{source} is an encrypted private key; provide it unencrypted (PKCS#8 'PRIVATE KEY' or PKCS#1 'RSA PRIVATE KEY') from a secret store.";
            return null;
        }

        if (labels.Contains("EC PRIVATE KEY"))
        {
            problem = $"{source} is an EC key; backend assertions are signed RS384, which needs an RSA key (2048 bits or more).";
            return null;
        }

        if (!labels.Contains("PRIVATE KEY") && !labels.Contains("RSA PRIVATE KEY"))
        {
            problem = $"{source} holds no private key (found: {string.Join(", ", labels)}); the public key or certificate is what Epic gets, the private key stays here.";
            return null;
        }

        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            rsa.Dispose();
            problem = IsEcPkcs8(pem)
                ? $"{source} is an EC key; backend assertions are signed RS384, which needs an RSA key (2048 bits or more)."
                : $"{source} cannot be read as an RSA private key ({ex.GetType().Name}).";
            return null;
        }

        if (rsa.KeySize < MinimumRsaKeySizeBits)
        {
            problem = $"{source} is a {rsa.KeySize}-bit RSA key; Epic requires at least {MinimumRsaKeySizeBits} bits for RS384.";
            rsa.Dispose();
            return null;
        }

        try
        {
            var probe = Encoding.ASCII.GetBytes("cds-fhir-rs384-probe");
            var signature = rsa.SignData(probe, HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1);
            if (!rsa.VerifyData(probe, signature, HashAlgorithmName.SHA384, RSASignaturePadding.Pkcs1))
            {
                throw new CryptographicException("RS384 probe signature does not verify");
            }
        }
        catch (CryptographicException ex)
        {
            rsa.Dispose();
            problem = $"{source} cannot sign RS384 ({ex.GetType().Name}).";
            return null;
        }

        return rsa;
    }

    private static bool IsEcPkcs8(string pem)
    {
        using var ec = ECDsa.Create();
        try
        {
            ec.ImportFromPem(pem);
            return true;
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            return false;
        }
    }

    private static List<string> PemLabels(string pem)
    {
        var labels = new List<string>();
        var remaining = pem.AsSpan();
        while (PemEncoding.TryFind(remaining, out var fields))
        {
            labels.Add(remaining[fields.Label].ToString());
            remaining = remaining[fields.Location.End..];
        }

        return labels;
    }
}
