namespace Cds.Smart;

/// <summary>A launch that cannot go on; the message names the tenant and the step, never a token or a patient.</summary>
public sealed class SmartLaunchException(string message) : Exception(message);
