namespace Cds.Tenants;

/// <summary>Which Epic environment a tenant points at; it decides which of the two client ids is in force.</summary>
public enum EpicEnvironment
{
    NonProduction,
    Production,
}
