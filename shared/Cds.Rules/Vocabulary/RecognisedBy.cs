namespace Cds.Rules;

/// <summary>How a medication was recognised: by a listed product code, by its ingredient code, or by an ingredient name.</summary>
public enum RecognisedBy
{
    None,
    Code,
    Name,
}
