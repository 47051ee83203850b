/**
 * Enum values mluvii is known to send. The vendor adds values over time, so every enum is
 * "open": the known values are listed for autocompletion and documentation, and any other
 * string is accepted and kept verbatim (typed `Known | (string & {})`).
 */

export const CHANNELS = ['Chat', 'AV', 'Phone'] as const;
export const SOURCES = [
  'Default', 'Callback', 'Invitation', 'ChatInvitation', 'IncomingCall', 'OutgoingCall',
  'Campaign', 'API', 'Facebook', 'WhatsApp', 'VK', 'Apple', 'GenericChannel',
] as const;
export const CLIENTS = ['User', 'Guest', 'Chatbot'] as const;
export const OPERATOR_STATUSES = ['OFFLINE', 'ONLINE', 'AWAY', 'BUSY'] as const;
export const AVAILABILITY_STATUSES = ['DEFAULT', 'AWAY', 'ON_CALL'] as const;
export const TERMINATION_REASONS = [
  'UnknownReason', 'GuestLeft', 'OperatorLeft', 'ChatbotLeft', 'GuestAbandoned',
  'OperatorAbandoned', 'ExternalPartyLeft', 'CampaignFailedDial', 'CampaignTerminated',
  'CallForwardedToExternalPhone', 'OperatorWithoutExtension', 'ForwardToExternalPhoneFailed',
  'FailedRouting', 'ExternalSessionExpired', 'SessionApiCall', 'SingleUseSession',
] as const;
export const HERO_CARD_RESULTS = ['Submitted', 'Cancelled'] as const;
/** `SessionAVRequestState` of the vendor page: the values of AvResponse.response. */
export const AV_RESPONSES = ['Requested', 'Accepted', 'RejectedUser', 'RejectedNoMic'] as const;
/** `GetMediaResult` of the vendor page: the values of AvMediaResult.result. */
export const MEDIA_RESULTS = ['Success', 'NoCameraOnlyMic', 'NoDevices', 'UserDenied'] as const;

/** A known value, or any other string the vendor may add later. */
export type Open<T extends string> = T | (string & {});

export type Channel = Open<(typeof CHANNELS)[number]>;
export type Source = Open<(typeof SOURCES)[number]>;
export type Client = Open<(typeof CLIENTS)[number]>;
export type OperatorStatus = Open<(typeof OPERATOR_STATUSES)[number]>;
export type AvailabilityStatus = Open<(typeof AVAILABILITY_STATUSES)[number]>;
export type TerminationReason = Open<(typeof TERMINATION_REASONS)[number]>;
export type HeroCardResult = Open<(typeof HERO_CARD_RESULTS)[number]>;
export type AvResponse = Open<(typeof AV_RESPONSES)[number]>;
export type MediaResult = Open<(typeof MEDIA_RESULTS)[number]>;
