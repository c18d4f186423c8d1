namespace Cds.Hooks.Security;

/// <summary>Endpoint metadata: the jti of this route's calls is registered when the call is recorded, not at authentication.</summary>
public sealed class JtiCheckedOnRecord
{
    public static readonly JtiCheckedOnRecord Instance = new();
}
